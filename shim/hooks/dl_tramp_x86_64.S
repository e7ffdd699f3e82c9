/*
 * dlopen and dlsym, seen from the app. glibc decides what these mean from
 * their caller's address (RTLD_NEXT is "next after the caller"; a relative
 * dlopen name uses the caller's RPATH/RUNPATH), so the real ones must be
 * reached by a jump that leaves the app's return address in place: a C
 * wrapper that calls them would make every caller look like the shim. The
 * decisions themselves are C (hook_dl.c); these stubs only keep the call
 * frame intact around them.
 */
#if defined(__x86_64__)
	.text

	/* void *dlsym(void *handle, const char *name) */
	.globl	dlsym
	.type	dlsym, @function
dlsym:
	.cfi_startproc
	pushq	%rdi
	.cfi_adjust_cfa_offset 8
	pushq	%rsi
	.cfi_adjust_cfa_offset 8
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	movq	24(%rsp), %rdx		/* the app's return address: who is asking */
	call	pqshim_dlsym_decide	/* our hook for name, or NULL */
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%rsi
	.cfi_adjust_cfa_offset -8
	popq	%rdi
	.cfi_adjust_cfa_offset -8
	testq	%rax, %rax
	jz	1f
	ret
1:	jmp	*pqshim_real_dlsym(%rip)
	.cfi_endproc
	.size	dlsym, .-dlsym

	/* void *dlopen(const char *file, int mode) */
	.globl	dlopen
	.type	dlopen, @function
dlopen:
	.cfi_startproc
	pushq	%rdi
	.cfi_adjust_cfa_offset 8
	pushq	%rsi
	.cfi_adjust_cfa_offset 8
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	call	pqshim_dlopen_mode	/* the mode to use (RTLD_DEEPBIND dropped for libpq users) */
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%rsi
	.cfi_adjust_cfa_offset -8
	popq	%rdi
	.cfi_adjust_cfa_offset -8
	movl	%eax, %esi
	jmp	*pqshim_real_dlopen(%rip)
	.cfi_endproc
	.size	dlopen, .-dlopen
#endif
	.section .note.GNU-stack,"",@progbits
