/*
 * dlopen and dlsym for aarch64: the same stubs as dl_tramp_x86_64.S (see
 * there for why). The app's return address is in x30 on entry; it is saved
 * with the frame, restored before the branch to the real function, so glibc
 * sees the app as the caller (RTLD_NEXT, $ORIGIN and RUNPATH keep their
 * meaning), and the real function returns straight to the app.
 */
#if defined(__aarch64__)
	.text

	/* void *dlsym(void *handle, const char *name) */
	.globl	dlsym
	.type	dlsym, %function
	.p2align 2
dlsym:
	.cfi_startproc
	stp	x29, x30, [sp, #-32]!
	.cfi_def_cfa_offset 32
	.cfi_offset 29, -32
	.cfi_offset 30, -24
	mov	x29, sp
	stp	x0, x1, [sp, #16]
	mov	x2, x30			/* the app's return address: who is asking */
	bl	pqshim_dlsym_decide	/* our hook for name, or NULL */
	cbnz	x0, 1f
	ldp	x0, x1, [sp, #16]
	ldp	x29, x30, [sp], #32
	.cfi_remember_state
	.cfi_def_cfa_offset 0
	.cfi_restore 29
	.cfi_restore 30
	adrp	x16, pqshim_real_dlsym
	ldr	x16, [x16, #:lo12:pqshim_real_dlsym]
	br	x16
1:
	.cfi_restore_state
	ldp	x29, x30, [sp], #32
	.cfi_def_cfa_offset 0
	.cfi_restore 29
	.cfi_restore 30
	ret
	.cfi_endproc
	.size	dlsym, .-dlsym

	/* void *dlopen(const char *file, int mode) */
	.globl	dlopen
	.type	dlopen, %function
	.p2align 2
dlopen:
	.cfi_startproc
	stp	x29, x30, [sp, #-32]!
	.cfi_def_cfa_offset 32
	.cfi_offset 29, -32
	.cfi_offset 30, -24
	mov	x29, sp
	str	x0, [sp, #16]
	bl	pqshim_dlopen_mode	/* the mode to use (RTLD_DEEPBIND dropped for libpq users) */
	mov	w1, w0
	ldr	x0, [sp, #16]
	ldp	x29, x30, [sp], #32
	.cfi_def_cfa_offset 0
	.cfi_restore 29
	.cfi_restore 30
	adrp	x16, pqshim_real_dlopen
	ldr	x16, [x16, #:lo12:pqshim_real_dlopen]
	br	x16
	.cfi_endproc
	.size	dlopen, .-dlopen
#endif
	.section .note.GNU-stack,"",%progbits
