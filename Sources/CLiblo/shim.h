#ifndef POLYPHON_CLIBLO_SHIM_H
#define POLYPHON_CLIBLO_SHIM_H
#include <lo/lo.h>
#endif
