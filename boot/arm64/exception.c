/* SPDX-License-Identifier: ISC */
/* arm64 exception report: decodes ESR, dumps registers and the frame chain, then stops the guest. */
#include "report.h"

#include <hearth/plat.h>
#include <stdint.h>

struct exception_frame {
    uint64_t x[31];
    uint64_t sp, elr, spsr, esr, far;
};

void exception_report(const struct exception_frame *f, unsigned kind);

static const char *const kind_names[16] = {
    "synchronous (EL1t)",        "IRQ (EL1t)",        "FIQ (EL1t)",        "SError (EL1t)",
    "synchronous (EL1h)",        "IRQ (EL1h)",        "FIQ (EL1h)",        "SError (EL1h)",
    "synchronous (EL0, 64-bit)", "IRQ (EL0, 64-bit)", "FIQ (EL0, 64-bit)", "SError (EL0, 64-bit)",
    "synchronous (EL0, 32-bit)", "IRQ (EL0, 32-bit)", "FIQ (EL0, 32-bit)", "SError (EL0, 32-bit)",
};

static const char *exception_class(uint32_t ec)
{
    switch (ec) {
    case 0x00: return "unknown instruction";
    case 0x07: return "FP/SIMD access trapped";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x16: return "HVC";
    case 0x18: return "system register access trapped";
    case 0x20: return "instruction abort from a lower EL";
    case 0x21: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort from a lower EL";
    case 0x25: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x2f: return "SError";
    case 0x3c: return "BRK instruction";
    default: return "other";
    }
}

static const char *fault_status(uint32_t fsc)
{
    if (fsc <= 0x03)
        return "address size fault";
    if (fsc <= 0x07)
        return "translation fault";
    if (fsc >= 0x09 && fsc <= 0x0b)
        return "access flag fault";
    if (fsc >= 0x0d && fsc <= 0x0f)
        return "permission fault";
    if (fsc == 0x10)
        return "synchronous external abort";
    if (fsc == 0x21)
        return "alignment fault";
    return "other fault";
}

void exception_report(const struct exception_frame *f, unsigned kind)
{
    report_enter();
    uint32_t ec = (uint32_t)(f->esr >> 26) & 0x3f;
    report_str("\n*** EXCEPTION: ");
    report_str(kind < 16 ? kind_names[kind] : "?");
    report_str(": ");
    report_str(exception_class(ec));
    if (ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25) {
        report_str(", ");
        report_str(fault_status((uint32_t)f->esr & 0x3f));
        report_str(" at level ");
        char level[2] = {(char)('0' + (f->esr & 3)), 0};
        report_str(level);
        report_str((ec == 0x24 || ec == 0x25) && (f->esr & (1u << 6)) ? ", write" : ", read");
    }
    report_str(" ***\n");
    report_reg("ESR", f->esr, 8);
    report_reg("FAR", f->far, 16);
    report_reg("ELR", f->elr, 16);
    report_reg("SPSR", f->spsr, 8);
    report_reg("SP", f->sp, 16);
    report_str("\n");
    static const char *const names[31] = {"x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",
                                          "x8",  "x9",  "x10", "x11", "x12", "x13", "x14", "x15",
                                          "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23",
                                          "x24", "x25", "x26", "x27", "x28", "fp",  "lr"};
    for (int i = 0; i < 31; i++) {
        report_reg(names[i], f->x[i], 16);
        if (i % 4 == 3 || i == 30)
            report_str("\n");
    }
    /* AAPCS64 frame record: [fp] = caller's fp, [fp + 8] = return address. */
    report_backtrace(f->elr, (uintptr_t)f->x[29], 0, 1);
    report_str("*** end of exception report: stopping the guest ***\n");
    hearth_plat_exit(2);
}
