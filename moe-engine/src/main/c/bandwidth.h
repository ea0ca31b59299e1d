/* A memory read-bandwidth probe: the ceiling for decoding, which streams the active weights once per token. */
#ifndef MOE_BANDWIDTH_H
#define MOE_BANDWIDTH_H

#include <stddef.h>

#include "error.h"

/* Allocates and touches `bytes`, then times `passes` full reads (64-bit word sums) split across `threads`
 * threads. Returns bytes read per second, or -1 with err. */
double memory_bandwidth(size_t bytes, int passes, int threads, Error *err);

#endif
