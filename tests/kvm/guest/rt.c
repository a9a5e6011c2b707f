/* SPDX-License-Identifier: MIT */
/* The guests' runtime: see rt.h. */
#include "rt.h"

/* ---- the three symbols the freestanding core needs ---------------------- */

/* String instructions, eight bytes per step, then the tail: guest
 * instructions are emulated and a rep prefix costs about one instruction
 * per iteration, so qwords beat bytes eightfold and any loop in C. */
void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    size_t q = n >> 3, b = n & 7u;

    __asm__ volatile("rep movsq\n\t"
                     "mov %3, %%rcx\n\t"
                     "rep movsb"
                     : "+D"(d), "+S"(src), "+c"(q)
                     : "r"(b)
                     : "memory");
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    size_t q = n >> 3, b = n & 7u;
    uint64_t v = 0x0101010101010101ull * (uint8_t)c;

    __asm__ volatile("rep stosq\n\t"
                     "mov %3, %%rcx\n\t"
                     "rep stosb"
                     : "+D"(d), "+c"(q), "+a"(v)
                     : "r"(b)
                     : "memory");
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;

    for (; n > 0; n--, p++, q++)
        if (*p != *q)
            return *p < *q ? -1 : 1;
    return 0;
}

/* ---- ports ---------------------------------------------------------------- */

void rt_exit(uint32_t verdict)
{
    rt_outl(KVM_PORT_EXIT, verdict);
    for (;;)
        __asm__ volatile("cli; hlt");
}

void rt_puts(const char *s)
{
    rt_outl(KVM_PORT_PRINT, rt_addr(s));
}

uint32_t rt_counter(uint32_t sel)
{
    rt_outl(KVM_PORT_CSEL, sel);
    return rt_inl(KVM_PORT_CVAL);
}

void rt_barrier(uint32_t id)
{
    rt_outl(KVM_PORT_BARRIER, id);
}

uint32_t rt_mark(void)
{
    return rt_inl(KVM_PORT_MARK);
}

/* ---- printf: %s %c %d %i %u %x %p %%, with 0, width, l, ll, z ----------- */

struct out {
    char buf[256];
    unsigned n;
};

static void put(struct out *o, char c)
{
    if (o->n < sizeof(o->buf) - 1)
        o->buf[o->n++] = c;
}

static void put_num(struct out *o, uint64_t v, unsigned base, int neg, unsigned width, char pad)
{
    char tmp[24];
    unsigned n = 0;

    do {
        unsigned d = (unsigned)(v % base);

        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    if (neg)
        tmp[n++] = '-';
    while (width > n) {
        put(o, pad);
        width--;
    }
    while (n > 0)
        put(o, tmp[--n]);
}

void rt_printf(const char *fmt, ...)
{
    struct out o;
    va_list ap;

    o.n = 0;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        unsigned width = 0, lng = 0;
        char pad = ' ';

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        if (*fmt == '0')
            pad = '0';
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            unsigned len = 0;

            if (s == NULL)
                s = "(null)";
            while (s[len])
                len++;
            for (; width > len; width--)
                put(&o, ' ');
            while (*s)
                put(&o, *s++);
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

            put_num(&o, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0, width, pad);
            break;
        }
        case 'u':
            put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0, width, pad);
            break;
        case 'x':
            put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0, width, pad);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0, 0, ' ');
            break;
        case '%':
            put(&o, '%');
            break;
        default:
            put(&o, '?');
            break;
        }
        if (*fmt == 0)
            break;
    }
    va_end(ap);
    put(&o, '\n');
    o.buf[o.n] = 0;
    rt_puts(o.buf);
}

void rt_fail(const char *file, int line, const char *what)
{
    rt_printf("FAIL at %s:%d: %s", file, line, what);
    rt_exit(1);
}

/* ---- interrupts ------------------------------------------------------------ */

struct idt_gate {
    uint64_t lo, hi;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));

volatile uint32_t rt_irq_pending;
volatile uint64_t rt_irq_count;

extern void (*const rt_exc_table[32])(void);
void rt_isr_hmx(void);
void rt_isr_spurious(void);
void rt_fault(uint64_t vector, uint64_t error, uint64_t rip);

static void idt_set(unsigned v, void (*handler)(void))
{
    uint64_t a = (uint64_t)(uintptr_t)handler;

    /* Present, DPL 0, 64-bit interrupt gate (interrupts off on entry). */
    idt[v].lo = (a & 0xFFFFu) | ((uint64_t)KVM_SEL_CODE << 16) | (0x8Eull << 40) |
                (((a >> 16) & 0xFFFFu) << 48);
    idt[v].hi = a >> 32;
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(KVM_GUEST_LAPIC + reg) = v;
}

void rt_init(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr;
    unsigned v;

    for (v = 0; v < 32; v++)
        idt_set(v, rt_exc_table[v]);
    idt_set(RT_VECTOR, rt_isr_hmx);
    idt_set(0xFF, rt_isr_spurious);
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (uint64_t)(uintptr_t)idt;
    __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");

    rt_outb(0x21, 0xFF); /* mask both 8259s */
    rt_outb(0xA1, 0xFF);
    lapic_write(0x350, 1u << 16); /* LVT LINT0 masked */
    lapic_write(0x360, 1u << 16); /* LVT LINT1 masked */
    lapic_write(0x320, 1u << 16); /* LVT timer masked */
    lapic_write(0x370, 1u << 16); /* LVT error masked */
    lapic_write(0x80, 0);         /* TPR: accept every priority */
    lapic_write(0xF0, 0x100u | 0xFFu); /* software-enable, spurious vector 0xFF */
    __asm__ volatile("sti" : : : "memory");
}

int rt_irq_take(void)
{
    int was;

    __asm__ volatile("cli" : : : "memory");
    was = rt_irq_pending != 0;
    rt_irq_pending = 0;
    __asm__ volatile("sti" : : : "memory");
    return was;
}

void rt_wait_irq(void)
{
    for (;;) {
        __asm__ volatile("cli" : : : "memory");
        if (rt_irq_pending) {
            rt_irq_pending = 0;
            __asm__ volatile("sti" : : : "memory");
            return;
        }
        /* sti's one-instruction shadow: the interrupt cannot slip in
         * between the check and the hlt, and it ends the hlt. */
        __asm__ volatile("sti; hlt" : : : "memory");
    }
}

void rt_fault(uint64_t vector, uint64_t error, uint64_t rip)
{
    uint64_t cr2;

    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    rt_printf("FAIL: exception %u, error code %lx, rip %lx, cr2 %lx", (unsigned)vector, error, rip,
              cr2);
    rt_exit(0xE0u + (uint32_t)vector);
}
