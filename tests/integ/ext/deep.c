/* Loaded with RTLD_DEEPBIND: its own shared_fn must win over the program's. */
int shared_fn(void);
int deep_call(void);

int shared_fn(void)
{
	return 2;
}

int deep_call(void)
{
	return shared_fn();
}
