#ifndef MODELFLEET_CZSTD_SHIM_H
#define MODELFLEET_CZSTD_SHIM_H
#include <zstd.h>
#endif
