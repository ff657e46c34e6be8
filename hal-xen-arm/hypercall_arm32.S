/* SPDX-License-Identifier: ISC */
/* arm32 hypercall trap: long hypercall_call5(a0, a1, a2, a3, a4, op); a4 and op arrive on the stack. */
    .syntax unified
    .arch armv7-a
    .arch_extension virt
    .arm
    .text
    .globl hypercall_call5
hypercall_call5:
    push    {r4}
    ldr     r4, [sp, #4]
    ldr     r12, [sp, #8]
    hvc     #0xea1
    pop     {r4}
    bx      lr
