/*
 * unit.h - shared includes and helpers for ferry's cmocka unit tests.
 */
#ifndef FERRY_TESTS_UNIT_H
#define FERRY_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Absolute path of the shared reference tree (vectors), or NULL if absent. */
#define FERRY_SHARED_DIR FERRY_SRCDIR "/../shared"

#endif
