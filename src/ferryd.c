/* ferryd.c - the ferry daemon entry point: options and wiring only. */

#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ferryd: not wired yet\n");
	return 2;
}
