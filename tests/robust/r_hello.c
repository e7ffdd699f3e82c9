/* A program that never uses libpq; built static too (gcc -static) for run.sh. */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from %s with %d argument(s)\n", argv[0], argc - 1);
	return argc > 1 ? 3 : 0;
}
