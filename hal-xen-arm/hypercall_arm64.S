/* SPDX-License-Identifier: ISC */
/* arm64 hypercall trap: long hypercall_call5(a0, a1, a2, a3, a4, op). */
    .text
    .globl hypercall_call5
hypercall_call5:
    mov     x16, x5
    hvc     #0xea1
    ret
