/* SPDX-License-Identifier: ISC */
/* arm32 exception vectors: save registers (and the interrupted SVC sp/lr) into a frame and report. */
    .syntax unified
    .arch armv7-a
    .arch_extension virt                /* banked-register MRS (SP_svc, LR_svc) */
    .arm

/* Frame, low to high: spsr, sp_svc, lr_svc, r0-r12, pc. kind: the vector's index. */
.macro vhandler name, kind, adjust
\name:
    sub     lr, lr, #\adjust
    push    {r0-r12, lr}
    mrs     r0, spsr
    mrs     r1, SP_svc
    mrs     r2, LR_svc
    push    {r0-r2}
    mov     r0, sp
    mov     r1, #\kind
    bl      exception_report
1:  wfi
    b       1b
.endm

    .section .text.vectors, "ax"
    .balign 32
    .globl vectors
vectors:
    b       on_reset
    b       on_undefined
    b       on_svc
    b       on_prefetch_abort
    b       on_data_abort
    b       on_reserved
    b       on_irq
    b       on_fiq

    vhandler on_reset, 0, 0
    vhandler on_undefined, 1, 4
    vhandler on_svc, 2, 4
    vhandler on_prefetch_abort, 3, 4
    vhandler on_data_abort, 4, 8
    vhandler on_reserved, 5, 0
    vhandler on_irq, 6, 4
    vhandler on_fiq, 7, 4
