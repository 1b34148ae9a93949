/*
 * stack.c - the stack switch of stack.h (x86-64; elsewhere a plain call).
 */
#include "stack.h"

#if defined(__x86_64__)
/* rbp keeps the caller's stack pointer; the CFI says the caller's frame is
 * found through it, so an unwinder started on the new stack reaches the
 * host's frames.  Callee-saved registers are the callee's to keep. */
__asm__(".text\n"
        ".globl tm__on_stack\n"
        ".hidden tm__on_stack\n"
        ".type tm__on_stack, @function\n"
        "tm__on_stack:\n"
        "    .cfi_startproc\n"
        "    pushq %rbp\n"
        "    .cfi_def_cfa_offset 16\n"
        "    .cfi_offset %rbp, -16\n"
        "    movq %rsp, %rbp\n"
        "    .cfi_def_cfa_register %rbp\n"
        "    andq $-16, %rdx\n"
        "    movq %rdx, %rsp\n"
        "    movq %rdi, %rax\n"
        "    movq %rsi, %rdi\n"
        "    callq *%rax\n"
        "    movq %rbp, %rsp\n"
        "    popq %rbp\n"
        "    .cfi_def_cfa %rsp, 8\n"
        "    ret\n"
        "    .cfi_endproc\n"
        ".size tm__on_stack, .-tm__on_stack\n");
#else
void tm__on_stack(void (*fn)(void *), void *arg, void *top)
{
    (void)top;
    fn(arg);
}
#endif
