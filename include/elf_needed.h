/*
 * elf_needed: does a shared object depend on libpq? Reads the file's dynamic
 * section (DT_NEEDED entries) without loading it.
 *
 * Invariants: pure file reading, no allocation beyond a bounded buffer, every
 * offset bounds-checked; a file that cannot be read or is not a native ELF
 * object answers false ("no"), never crashes.
 */
#ifndef PQSHIM_ELF_NEEDED_H
#define PQSHIM_ELF_NEEDED_H

#include <stdbool.h>

/* True when the ELF object at path lists a DT_NEEDED name starting with prefix. */
bool elf_needs(const char *path, const char *prefix);

#endif
