/* SPDX-License-Identifier: ISC */
/* arm32 entry: zImage header, then stacks, BSS, vectors, MMU (LPAE) + caches, and plat_boot. */
    .syntax unified
    .arch armv7-a
    .arm

    .section .text.head, "ax"
    .globl _start
_start:
    /* zImage header: eight no-ops, a branch, then magic, load address and end of the loaded file. */
    .rept   8
    mov     r0, r0
    .endr
    b       entry
    .word   0x016f2818
    .word   _start
    .word   _image_file_end

entry:
    /* SVC mode, MMU off, r2 = device tree. r4 keeps it across the set-up calls. */
    cpsid   aif
    mov     r4, r2

    /* No relocation in this kernel: we must run where we were linked. */
    adr     r0, _start
    ldr     r1, =_start
    cmp     r0, r1
    bne     park

    ldr     sp, =boot_stack_top

    /* Drop stale cache lines over image and BSS, then zero BSS (MMU off: aligned word stores only). */
    ldr     r0, =_image_start
    ldr     r1, =_image_end
1:  mcr     p15, 0, r0, c7, c6, 1       /* DCIMVAC */
    add     r0, r0, #64
    cmp     r0, r1
    blo     1b
    dsb
    mov     r2, #0
    ldr     r0, =_bss_start
    ldr     r1, =_bss_end
2:  cmp     r0, r1
    strlo   r2, [r0], #4
    blo     2b

    /* Each exception mode gets the one report stack: a report never returns. */
    ldr     r0, =exception_stack_top
    cps     #0x17                       /* abort */
    mov     sp, r0
    cps     #0x1b                       /* undefined */
    mov     sp, r0
    cps     #0x12                       /* IRQ */
    mov     sp, r0
    cps     #0x11                       /* FIQ */
    mov     sp, r0
    cps     #0x13                       /* back to SVC */

    ldr     r0, =vectors
    mcr     p15, 0, r0, c12, c0, 0      /* VBAR */

    bl      mmu_build_boot_map
    cmp     r0, #0
    bne     park
    bl      mmu_root_table
    bl      mmu_enable

    mov     r0, r4
    bl      plat_boot
halt:
    wfi
    b       halt

park:
    /* No console yet: park. The loader or the table pool is misconfigured, not the hardware. */
    wfe
    b       park

/* void mmu_enable(uint64_t *root): MAIR, TTBCR (LPAE), TTBR0, then SCTLR.M|C|I with WXN. */
    .text
    .globl mmu_enable
mmu_enable:
    ldr     r1, =0x0000ff00             /* attr0 Device-nGnRnE, attr1 Normal WB RWA */
    mcr     p15, 0, r1, c10, c2, 0      /* MAIR0 */
    mov     r1, #0
    mcr     p15, 0, r1, c10, c2, 1      /* MAIR1 */
    /* EAE=1, EPD1=1, SH0=inner, ORGN0=IRGN0=WB-WA, T0SZ=0: TTBR0 covers all 4 GiB from level 1 */
    ldr     r1, =0x80803500
    mcr     p15, 0, r1, c2, c0, 2       /* TTBCR */
    mov     r1, #0
    mcrr    p15, 0, r0, r1, c2          /* TTBR0 (64-bit with LPAE) */
    isb
    mcr     p15, 0, r1, c8, c7, 0       /* TLBIALL */
    mcr     p15, 0, r1, c7, c5, 0       /* ICIALLU */
    dsb
    isb
    mrc     p15, 0, r1, c1, c0, 0       /* SCTLR */
    orr     r1, r1, #(1 << 0)           /* M: MMU on */
    orr     r1, r1, #(1 << 2)           /* C: data cache */
    orr     r1, r1, #(1 << 12)          /* I: instruction cache */
    orr     r1, r1, #(1 << 19)          /* WXN: writable memory is never executable */
    bic     r1, r1, #(1 << 1)           /* A: no alignment faults on normal memory */
    bic     r1, r1, #(1 << 13)          /* V: vectors at VBAR */
    bic     r1, r1, #(1 << 30)          /* TE: exceptions in ARM state */
    mcr     p15, 0, r1, c1, c0, 0
    isb
    bx      lr

/* void mmu_tlb_flush_all(void) */
    .globl mmu_tlb_flush_all
mmu_tlb_flush_all:
    dsb
    mov     r0, #0
    mcr     p15, 0, r0, c8, c7, 0       /* TLBIALL */
    dsb
    isb
    bx      lr

    .bss
    .balign 16
    .globl boot_stack
boot_stack:
    .space  64 * 1024
    .globl boot_stack_top
boot_stack_top:
    .balign 16
exception_stack:
    .space  4 * 1024
exception_stack_top:
