/* Found only through the loader's RUNPATH. */
int plugin_value(void);

int plugin_value(void)
{
	return 42;
}
