/* DT_NEEDED of an ELF file, read from disk; see elf_needed.h. */
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "elf_needed.h"

#define MAX_PHDRS 64
#define MAX_DYN 512
#define MAX_NAME 256

static bool read_at(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	return n >= 0 && (size_t)n == len;
}

/* File offset of virtual address vaddr, from the PT_LOAD segments. */
static bool file_offset(const ElfW(Phdr) *ph, int n, ElfW(Addr) vaddr, off_t *off)
{
	for (int i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD || vaddr < ph[i].p_vaddr ||
		    vaddr - ph[i].p_vaddr >= ph[i].p_filesz)
			continue;
		*off = (off_t)(ph[i].p_offset + (vaddr - ph[i].p_vaddr));
		return true;
	}
	return false;
}

static bool scan(int fd, const char *prefix)
{
	ElfW(Ehdr) eh;
	ElfW(Phdr) ph[MAX_PHDRS];
	ElfW(Dyn) dyn[MAX_DYN];
	ElfW(Addr) strtab = 0;
	size_t ndyn = 0, plen = strlen(prefix);
	off_t stroff;
	char name[MAX_NAME];
	int i;

	if (!read_at(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
	    eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS ||
	    !read_at(fd, ph, sizeof(ElfW(Phdr)) * eh.e_phnum, (off_t)eh.e_phoff))
		return false;
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_DYNAMIC)
			continue;
		ndyn = ph[i].p_filesz / sizeof(ElfW(Dyn));
		if (ndyn > MAX_DYN)
			ndyn = MAX_DYN;
		if (!read_at(fd, dyn, ndyn * sizeof(ElfW(Dyn)), (off_t)ph[i].p_offset))
			return false;
		break;
	}
	for (size_t d = 0; d < ndyn && dyn[d].d_tag != DT_NULL; d++)
		if (dyn[d].d_tag == DT_STRTAB)
			strtab = dyn[d].d_un.d_ptr;
	if (!strtab || !file_offset(ph, eh.e_phnum, strtab, &stroff))
		return false;
	for (size_t d = 0; d < ndyn && dyn[d].d_tag != DT_NULL; d++) {
		if (dyn[d].d_tag != DT_NEEDED)
			continue;
		memset(name, 0, sizeof(name));
		if (pread(fd, name, sizeof(name) - 1, stroff + (off_t)dyn[d].d_un.d_val) <= 0)
			continue;
		if (strncmp(name, prefix, plen) == 0)
			return true;
	}
	return false;
}

bool elf_needs(const char *path, const char *prefix)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes;

	if (fd < 0)
		return false;
	yes = scan(fd, prefix);
	close(fd);
	return yes;
}
