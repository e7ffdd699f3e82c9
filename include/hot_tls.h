/*
 * HOT_TLS: the small per-thread variables read on every call use the
 * initial-exec TLS model, so an access is one %fs-relative load, not a call
 * into ld.so. A preloaded library's TLS is static; they are small enough for
 * the surplus glibc keeps if the shim is dlopen'ed.
 */
#ifndef PQSHIM_HOT_TLS_H
#define PQSHIM_HOT_TLS_H

#define HOT_TLS __thread __attribute__((tls_model("initial-exec")))

#endif
