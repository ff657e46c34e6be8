/* SPDX-License-Identifier: ISC */
/* arm32 exception report: decodes the fault status (LPAE format), dumps registers and frames, stops. */
#include "report.h"

#include <hearth/plat.h>
#include <stdint.h>

struct exception_frame {
    uint32_t spsr, sp, lr, r[13], pc;
};

void exception_report(const struct exception_frame *f, unsigned kind);

static const char *const kind_names[8] = {
    "reset", "undefined instruction", "SVC", "prefetch abort", "data abort", "reserved vector", "IRQ", "FIQ",
};

/* With TTBCR.EAE=1 the fault status registers use the long-descriptor format, like arm64's FSC. */
static const char *fault_status(uint32_t fsr)
{
    uint32_t status = fsr & 0x3f;
    if ((status & 0x3c) == 0x04)
        return "translation fault";
    if ((status & 0x3c) == 0x08)
        return "access flag fault";
    if ((status & 0x3c) == 0x0c)
        return "permission fault";
    if (status == 0x21)
        return "alignment fault";
    if (status == 0x10)
        return "synchronous external abort";
    if (status == 0x22)
        return "debug event";
    return "other fault";
}

void exception_report(const struct exception_frame *f, unsigned kind)
{
    uint32_t fsr = 0, far = 0;
    report_enter();
    if (kind == 4) {
        __asm__ volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(fsr)); /* DFSR */
        __asm__ volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(far)); /* DFAR */
    } else if (kind == 3) {
        __asm__ volatile("mrc p15, 0, %0, c5, c0, 1" : "=r"(fsr)); /* IFSR */
        __asm__ volatile("mrc p15, 0, %0, c6, c0, 2" : "=r"(far)); /* IFAR */
    }
    report_str("\n*** EXCEPTION: ");
    report_str(kind < 8 ? kind_names[kind] : "?");
    if (kind == 3 || kind == 4) {
        report_str(", ");
        report_str(fault_status(fsr));
        if ((fsr & 0x3c) == 0x04 || (fsr & 0x3c) == 0x08 || (fsr & 0x3c) == 0x0c) {
            char level[10] = " level 0";
            level[7] = (char)('0' + (fsr & 3));
            report_str(" at");
            report_str(level);
        }
        if (kind == 4)
            report_str(fsr & (1u << 11) ? ", write" : ", read");
    }
    report_str(" ***\n");
    report_reg("FSR", fsr, 8);
    report_reg("FAR", far, 8);
    report_reg("PC", f->pc, 8);
    report_reg("CPSR", f->spsr, 8);
    report_str("\n");
    static const char *const names[13] = {"r0", "r1", "r2", "r3",  "r4", "r5", "r6",
                                          "r7", "r8", "r9", "r10", "fp", "r12"};
    for (int i = 0; i < 13; i++) {
        report_reg(names[i], f->r[i], 8);
        if (i % 4 == 3)
            report_str("\n");
    }
    report_reg("sp", f->sp, 8);
    report_reg("lr", f->lr, 8);
    report_str("\n");
    /* GCC's ARM-state frames: fp points at the saved lr, and the caller's fp sits just below it. */
    report_backtrace(f->pc, (uintptr_t)f->r[11], -1, 0);
    report_str("*** end of exception report: stopping the guest ***\n");
    hearth_plat_exit(2);
}
