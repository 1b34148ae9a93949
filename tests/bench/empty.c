/* The empty preload library: the floor of any LD_PRELOAD. */
int tm_bench_empty_preload;
