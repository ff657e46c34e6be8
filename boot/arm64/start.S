/* SPDX-License-Identifier: ISC */
/* arm64 entry: Linux Image header, then stack, BSS, vectors, FP, MMU + caches, TLS, and plat_boot. */

    .section .text.head, "ax"
    .globl _start
_start:
    /* Linux arm64 Image header (Documentation/arch/arm64/booting.rst): Xen's loader reads it. */
    b       entry                   /* code0 */
    .long   0                       /* code1 */
    .quad   0                       /* text_offset: loaded at the start of RAM */
    .quad   _image_size             /* image_size including BSS, from the linker script */
    .quad   0x2                     /* flags: little-endian, 4 KiB pages, 2 MiB aligned near RAM base */
    .quad   0, 0, 0                 /* reserved */
    .ascii  "ARM\x64"               /* magic */
    .long   0                       /* reserved (PE header offset) */

entry:
    /* EL1, MMU off, x0 = device tree. Keep it in a callee-saved register across the set-up calls. */
    msr     daifset, #0xf
    mov     x19, x0

    /* Everything below assumes we run where we were linked: no relocation in this kernel. */
    adr     x1, _start
    ldr     x2, =_start
    cmp     x1, x2
    b.ne    wrong_address

    ldr     x1, =boot_stack_top
    mov     sp, x1

    /*
     * Drop any stale cache lines over the image and BSS, then zero BSS with aligned stores: the MMU
     * is off, so memory is Device-typed and an unaligned access or DC ZVA would fault.
     */
    ldr     x1, =_image_start
    ldr     x2, =_image_end
1:  dc      ivac, x1
    add     x1, x1, #64
    cmp     x1, x2
    b.lo    1b
    dsb     sy
    ldr     x1, =_bss_start
    ldr     x2, =_bss_end
2:  cmp     x1, x2
    b.hs    3f
    stp     xzr, xzr, [x1], #16
    b       2b
3:  ldr     x1, =__tbss_start        /* .tbss sits before .bss and is not in the loaded file either */
    ldr     x2, =__tbss_end
4:  cmp     x1, x2
    b.hs    5f
    strb    wzr, [x1], #1
    b       4b
5:
    ldr     x1, =vectors
    msr     vbar_el1, x1
    mov     x1, #(3 << 20)          /* CPACR_EL1.FPEN: FP/SIMD usable at EL1 (picolibc's memcpy uses it) */
    msr     cpacr_el1, x1
    isb

    bl      mmu_build_boot_map
    cbnz    w0, mmu_failed
    bl      mmu_root_table
    bl      mmu_enable

    ldr     x0, =__tls_base         /* picolibc keeps errno in thread-local storage */
    bl      _set_tls

    mov     x0, x19
    bl      plat_boot
halt:
    wfi
    b       halt

wrong_address:
mmu_failed:
    /* No console yet: park. The loader or the table pool is misconfigured, not the hardware. */
    wfe
    b       wrong_address

/* void mmu_enable(uint64_t *root): MAIR, TCR, TTBR0, then SCTLR.M|C|I with WXN. */
    .text
    .globl mmu_enable
mmu_enable:
    ldr     x1, =0x000000000000ff00 /* attr0 Device-nGnRnE, attr1 Normal WB RWA */
    msr     mair_el1, x1
    mrs     x2, id_aa64mmfr0_el1
    and     x2, x2, #7              /* PARange -> TCR.IPS */
    lsl     x2, x2, #32
    /* T0SZ=25 (39-bit VA, walks start at level 1), WB-cacheable inner-shareable walks, 4K, EPD1 */
    ldr     x1, =(25 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23))
    orr     x1, x1, x2
    msr     tcr_el1, x1
    dsb     sy
    msr     ttbr0_el1, x0
    isb
    tlbi    vmalle1
    ic      iallu
    dsb     nsh
    isb
    mrs     x1, sctlr_el1
    orr     x1, x1, #(1 << 0)       /* M: MMU on */
    orr     x1, x1, #(1 << 2)       /* C: data cache */
    orr     x1, x1, #(1 << 12)      /* I: instruction cache */
    orr     x1, x1, #(1 << 19)      /* WXN: writable memory is never executable */
    bic     x1, x1, #(1 << 1)       /* A: no alignment faults on normal memory */
    msr     sctlr_el1, x1
    isb
    ret

/* void mmu_tlb_flush_all(void) */
    .globl mmu_tlb_flush_all
mmu_tlb_flush_all:
    dsb     ishst
    tlbi    vmalle1
    dsb     ish
    isb
    ret

    .bss
    .balign 16
    .globl boot_stack
boot_stack:
    .space  64 * 1024
    .globl boot_stack_top
boot_stack_top:
