#ifndef MODELFLEET_CZLIB_SHIM_H
#define MODELFLEET_CZLIB_SHIM_H
#include <zlib.h>
#endif
