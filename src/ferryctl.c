/* ferryctl.c - the ferry command-line tool entry point: options and wiring only. */

#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ferryctl: not wired yet\n");
	return 2;
}
