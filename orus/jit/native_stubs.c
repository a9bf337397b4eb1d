/* Linked into the native VM library by orus/jit/aot.py.
 *
 * The compiled loop reports everything to its host through a status code, so
 * at run time it calls nothing but libc/libm.  Numba's generated code still
 * *mentions* a few runtime and CPython symbols on exception paths (the entry
 * point catches every exception, so they are unreachable).  The build defines
 * each of them here as a stub that stops the process with a clear message,
 * so that the library needs neither libpython nor Numba's runtime to load.
 *
 * orus_build.h is generated per build: the identity string the loader checks
 * and one ORUS_STUB(name) line per symbol to provide.
 */
#include <stdio.h>
#include <stdlib.h>

static void orus_unreachable(const char *name)
{
    fprintf(stderr, "orus: internal error: the native VM reached %s "
                    "(please report this bug; ORUS_NATIVE=0 uses the njit VM)\n", name);
    fflush(stderr);
    abort();
}

#define ORUS_STUB(name) void name(void) { orus_unreachable(#name); }

/* Numba copies the source of a slice assignment to a temporary when the two
 * ranges overlap; these are real (plain malloc/free, as Numba's own are). */
void *NRT_Allocate(size_t size) { return malloc(size); }
void NRT_Free(void *ptr) { free(ptr); }

#include "orus_build.h"
