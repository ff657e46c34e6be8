/* SPDX-License-Identifier: ISC */
/* Device-tree discovery with libfdt. Every property length is checked before it is read. */
#include "dt.h"

#include <hearth/err.h>
#include <libfdt.h>
#include <string.h>

/* Reads a number of 1 or 2 cells from prop; the caller checked the length. */
static uint64_t read_cells(const fdt32_t *p, int cells)
{
    uint64_t v = 0;
    for (int i = 0; i < cells; i++)
        v = (v << 32) | fdt32_to_cpu(p[i]);
    return v;
}

/* Cell sizes a node's parent gives to its reg; libfdt returns defaults 2/1 when absent. */
static int reg_cells(const void *fdt, int node, int *addr_cells, int *size_cells)
{
    int parent = fdt_parent_offset(fdt, node);
    if (parent < 0)
        return -HEARTH_EBADMSG;
    *addr_cells = fdt_address_cells(fdt, parent);
    *size_cells = fdt_size_cells(fdt, parent);
    if (*addr_cells < 1 || *addr_cells > 2 || *size_cells < 0 || *size_cells > 2)
        return -HEARTH_EBADMSG;
    return 0;
}

/* Reads up to max (base, size) pairs of node's reg into out; returns how many, or a negative error. */
static int read_reg(const void *fdt, int node, struct dt_range *out, int max)
{
    int ac, sc, len, rc = reg_cells(fdt, node, &ac, &sc);
    if (rc < 0)
        return rc;
    const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
    if (!reg)
        return 0;
    int entry = (ac + sc) * 4;
    if (len <= 0 || len % entry != 0)
        return -HEARTH_EBADMSG;
    int n = len / entry;
    if (n > max)
        n = max;
    for (int i = 0; i < n; i++) {
        const fdt32_t *e = reg + i * (ac + sc);
        out[i].base = read_cells(e, ac);
        out[i].size = sc ? read_cells(e + ac, sc) : 0;
    }
    return n;
}

/* GIC three-cell interrupt specifier (type, number, flags) at index -> INTID. */
static int interrupt_intid(const void *fdt, int node, int index, unsigned *intid)
{
    int len;
    const fdt32_t *irqs = fdt_getprop(fdt, node, "interrupts", &len);
    if (!irqs)
        return -HEARTH_ENOENT;
    if (len < 0 || len % 12 != 0 || len / 12 <= index)
        return -HEARTH_EBADMSG;
    uint32_t type = fdt32_to_cpu(irqs[index * 3]);
    uint32_t number = fdt32_to_cpu(irqs[index * 3 + 1]);
    if (type == 1 && number < 16)
        *intid = number + 16; /* PPI */
    else if (type == 0 && number < 988)
        *intid = number + 32; /* SPI */
    else
        return -HEARTH_EBADMSG;
    return 0;
}

/* A memory node is one with device_type "memory", or one named "memory" / "memory@<unit>". */
static int is_memory_node(const void *fdt, int node)
{
    int len;
    const char *type = fdt_getprop(fdt, node, "device_type", &len);
    if (type && len == 7 && memcmp(type, "memory", 7) == 0)
        return 1;
    const char *name = fdt_get_name(fdt, node, NULL);
    return name && (strcmp(name, "memory") == 0 || strncmp(name, "memory@", 7) == 0);
}

static int find_memory(const void *fdt, struct dt_platform *out)
{
    int node;
    fdt_for_each_subnode (node, fdt, 0) {
        if (!is_memory_node(fdt, node))
            continue;
        struct dt_range banks[DT_MAX_MEMORY_BANKS];
        int n = read_reg(fdt, node, banks, DT_MAX_MEMORY_BANKS);
        if (n < 0)
            return n;
        /* Empty banks are skipped here, so they cannot take the slots of real ones. */
        for (int i = 0; i < n && out->memory_count < DT_MAX_MEMORY_BANKS; i++)
            if (banks[i].size)
                out->memory[out->memory_count++] = banks[i];
    }
    return out->memory_count ? 0 : -HEARTH_ENOENT;
}

static int find_first_compatible(const void *fdt, const char *const *compatibles)
{
    for (; *compatibles; compatibles++) {
        int node = fdt_node_offset_by_compatible(fdt, -1, *compatibles);
        if (node >= 0)
            return node;
    }
    return -1;
}

static int find_devices(const void *fdt, struct dt_platform *out)
{
    static const char *const uarts[] = {"arm,sbsa-uart", "arm,pl011", NULL};
    static const char *const gic2[] = {"arm,gic-400", "arm,cortex-a15-gic", "arm,cortex-a9-gic", NULL};
    static const char *const gic3[] = {"arm,gic-v3", NULL};
    static const char *const timers[] = {"arm,armv8-timer", "arm,armv7-timer", NULL};
    int node, rc;

    if ((node = find_first_compatible(fdt, uarts)) >= 0 && (rc = read_reg(fdt, node, &out->uart, 1)) < 0)
        return rc;
    if ((node = find_first_compatible(fdt, gic2)) >= 0) {
        struct dt_range r[2];
        if ((rc = read_reg(fdt, node, r, 2)) < 0)
            return rc;
        if (rc < 2)
            return -HEARTH_EBADMSG;
        out->gic_version = 2;
        out->gic_dist = r[0];
        out->gic_cpu = r[1];
    } else if (find_first_compatible(fdt, gic3) >= 0) {
        out->gic_version = 3;
    }
    /* The virtual timer is the third of the four timer interrupts (secure, non-secure, virtual, hyp). */
    /* A timer node without interrupts leaves vtimer_intid 0: the platform decides whether it can live. */
    if ((node = find_first_compatible(fdt, timers)) >= 0 &&
        (rc = interrupt_intid(fdt, node, 2, &out->vtimer_intid)) < 0 && rc != -HEARTH_ENOENT)
        return rc;
    if ((node = fdt_node_offset_by_compatible(fdt, -1, "xen,xen")) >= 0) {
        out->has_xen_node = 1;
        if ((rc = read_reg(fdt, node, &out->xen_grant, 1)) < 0)
            return rc;
        rc = interrupt_intid(fdt, node, 0, &out->xen_evtchn_intid);
        if (rc < 0 && rc != -HEARTH_ENOENT)
            return rc;
    }
    return 0;
}

int dt_parse(const void *dtb, size_t max_size, struct dt_platform *out)
{
    memset(out, 0, sizeof(*out));
    out->bootargs = "";
    if (max_size < sizeof(struct fdt_header) || fdt_check_header(dtb) != 0)
        return -HEARTH_EBADMSG;
    /*
     * libfdt reads the structure block in 32-bit and the reservation map in 64-bit units through
     * plain pointers: misaligned block offsets would be undefined behaviour (dtc issue #178).
     */
    if (fdt_off_dt_struct(dtb) % 4 != 0 || fdt_off_mem_rsvmap(dtb) % 8 != 0)
        return -HEARTH_EBADMSG;
    size_t size = fdt_totalsize(dtb);
    if (size > max_size)
        return -HEARTH_ERANGE;
    if (fdt_check_full(dtb, size) != 0)
        return -HEARTH_EBADMSG;
    out->dtb_size = size;

    int rc = find_memory(dtb, out);
    if (rc < 0)
        return rc;
    int chosen = fdt_path_offset(dtb, "/chosen");
    if (chosen >= 0) {
        int len;
        const char *args = fdt_getprop(dtb, chosen, "bootargs", &len);
        /* fdt_check_full does not promise NUL-terminated strings: check it ourselves. */
        if (args && len > 0 && args[len - 1] == '\0')
            out->bootargs = args;
        else if (args)
            return -HEARTH_EBADMSG;
    }
    return find_devices(dtb, out);
}
