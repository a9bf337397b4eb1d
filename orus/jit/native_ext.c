/* _orus_native: the native VM's loader as a tiny CPython extension.
 *
 * `orus run` calls the native VM (orus/jit/aot.py) through this module
 * instead of ctypes: importing ctypes costs ~2-5 ms, more than this whole
 * module.  It is built by `orus warm-cache` next to the VM library, against
 * the running interpreter's headers, and is optional: without it, the loader
 * falls back to ctypes.
 *
 *   open(path, entry, identity) -> (bytes, int)
 *          dlopen a library (the VM, or a program's tier-2 code); its identity
 *          string and the address of its entry point `int64_t entry(void *)`
 *   call(entry, desc) -> int
 *          call that entry point with the address of the buffer `desc`
 *          (the descriptor block of orus/jit/abi.py)
 *   address(buffer) -> int
 *          the address of a C-contiguous buffer
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <stdint.h>

typedef int64_t (*entry_fn)(void *);

static PyObject *
native_open(PyObject *self, PyObject *args)
{
    const char *path, *entry, *identity;
    if (!PyArg_ParseTuple(args, "sss", &path, &entry, &identity))
        return NULL;
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        PyErr_Format(PyExc_OSError, "%s", dlerror());
        return NULL;
    }
    void *fn = dlsym(lib, entry);
    const char **ident = (const char **)dlsym(lib, identity);
    if (fn == NULL || ident == NULL || *ident == NULL) {
        PyErr_Format(PyExc_OSError, "%s: symbol %s or %s missing", path, entry, identity);
        return NULL;
    }
    return Py_BuildValue("(yN)", *ident, PyLong_FromVoidPtr(fn));
}

static PyObject *
native_call(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_buffer view;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "call(entry, desc)");
        return NULL;
    }
    entry_fn entry = (entry_fn)PyLong_AsVoidPtr(args[0]);
    if (entry == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "call(): null entry point");
        return NULL;
    }
    if (PyObject_GetBuffer(args[1], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    int64_t status = entry(view.buf);
    PyBuffer_Release(&view);
    return PyLong_FromLongLong((long long)status);
}

static PyObject *
native_address(PyObject *self, PyObject *obj)
{
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    void *buf = view.buf;
    PyBuffer_Release(&view);
    return PyLong_FromVoidPtr(buf);
}

static PyMethodDef methods[] = {
    {"open", native_open, METH_VARARGS, "dlopen a library: (identity, entry address)"},
    {"call", (PyCFunction)(void (*)(void))native_call, METH_FASTCALL,
     "call an entry point with a descriptor buffer"},
    {"address", native_address, METH_O, "address of a C-contiguous buffer"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_orus_native", NULL, -1, methods
};

PyMODINIT_FUNC
PyInit__orus_native(void)
{
    return PyModule_Create(&module);
}
