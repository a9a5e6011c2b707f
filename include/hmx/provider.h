/* SPDX-License-Identifier: MIT */
/*
 * The reference provider: the hypervisor side of HMX in portable C.
 *
 * A hypervisor, a VMM, an EL2 monitor, firmware or a test links this and
 * gets Argo with Xen 4.17's semantics and error codes: domains, a ring
 * registry keyed by (owner, port, partner), register / unregister / sendv /
 * notify, space wake-ups for senders that met a full ring, an access-policy
 * hook and a signal hook; and the HMX extensions Xen lacks: a firewall on
 * (domain, port) pairs with domain labels, per-domain implicit-destination
 * tables, the "up" destination, and a discovery service.
 *
 * The provider never touches guest memory except through the host's hooks:
 * map_ring (a writable, contiguous mapping of a ring's frames) and
 * copy_from_guest (the sender's buffers).  Every request arrives already
 * decoded into the native structures of hmx/wire.h, with the id of the
 * calling domain, which the host vouches for.
 *
 * Storage is the host's: it hands the provider arrays of domain and ring
 * slots at init (HMX_PROVIDER_STORAGE helps) and the provider allocates
 * nothing.  The provider is not locked: the host serialises calls into one
 * provider (a single lock around each call is enough).  Guests may run
 * concurrently with it; ring memory is accessed with acquire/release order.
 */
#ifndef HMX_PROVIDER_H
#define HMX_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "hmx/errors.h"
#include "hmx/hmx.h"
#include "hmx/policy.h"
#include "hmx/ring.h"
#include "hmx/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* enum hmx_policy_op, the operations of policy decisions: hmx/policy.h. */

/* Who denied (struct hmx_policy_query.denied_by, for the audit hook). */
#define HMX_DENIED_BY_HOST 1u     /* the host's policy hook */
#define HMX_DENIED_BY_FIREWALL 2u /* the firewall: rule, or its default */

struct hmx_policy_query {
    uint32_t op;        /* enum hmx_policy_op */
    hmx_domid_t caller; /* the domain making the call */
    uint16_t pad;
    struct hmx_addr src; /* for REGISTER: the partner (HMX_DOMID_ANY: any) */
    struct hmx_addr dst; /* an implicit destination: the one it resolved to */
    /* Set for the audit hook; zero for the policy hook. */
    uint32_t denied_by; /* HMX_DENIED_BY_* */
    uint32_t rule;      /* firewall: index of the deciding rule, or HMX_FW_RULE_DEFAULT */
    uint32_t line;      /* firewall: that rule's line in its text form (0: none) */
};

/* Why the provider signals a domain. */
enum hmx_signal_kind {
    HMX_SIGNAL_RX = 1,   /* a message landed in one of its rings */
    HMX_SIGNAL_SPACE = 2 /* a ring it waited on has the space it asked for */
};

struct hmx_provider_hooks {
    void *host; /* passed back to every hook */

    /*
     * map_ring - map npages 4 KiB frames of domain dom, in order, as one
     * writable and contiguous range.  Required.
     * Returns 0 with *va set (4 KiB aligned), or HMX_EFAULT / HMX_EINVAL
     * for frames the domain does not own or that cannot be mapped together.
     */
    int (*map_ring)(void *host, hmx_domid_t dom, const hmx_gfn_t *gfns, uint32_t npages,
                    void **va);

    /* unmap_ring - undo map_ring. Optional. */
    void (*unmap_ring)(void *host, hmx_domid_t dom, void *va, uint32_t npages);

    /*
     * copy_from_guest - copy len bytes at guest address gaddr of domain dom
     * (the address space the host's guests use for sendv buffers) to dst.
     * Required.  Returns 0 or HMX_EFAULT.
     */
    int (*copy_from_guest)(void *host, hmx_domid_t dom, void *dst, uint64_t gaddr, uint32_t len);

    /*
     * copy_to_guest - the reverse, for the answers of hmx_provider_call.
     * Optional (needed only by hosts that use hmx_provider_call).
     * Returns 0 or HMX_EFAULT.
     */
    int (*copy_to_guest)(void *host, hmx_domid_t dom, uint64_t gaddr, const void *src, uint32_t len);

    /*
     * policy - the host's mandatory access decision, taken on every
     * register, send and query that the firewall (when a table is
     * installed) has allowed.  Optional (NULL: allow all).
     * Returns 0 to allow; HMX_EACCES (or HMX_EPERM) to deny, with *reason
     * pointing at a static string that says why (may be left NULL).
     */
    int (*policy)(void *host, const struct hmx_policy_query *q, const char **reason);

    /*
     * audit - told of every denial, the firewall's and the host policy's,
     * with the verdict and reason; q->denied_by says which, and for the
     * firewall q->rule and q->line name the deciding rule.  Optional.
     */
    void (*audit)(void *host, const struct hmx_policy_query *q, int verdict, const char *reason);

    /* signal - raise a notification in domain dom. Optional. */
    void (*signal)(void *host, hmx_domid_t dom, enum hmx_signal_kind why);

    /*
     * send_up - carry a send to HMX_DOMID_UP to the next hypervisor level,
     * after the access checks.  addr->src is the caller's own address;
     * iov names caller's buffers as for copy_from_guest.  Optional (NULL:
     * there is no upper level, and such sends fail with HMX_ENXIO).
     * Returns the payload byte count or an HMX_E* code.
     */
    int (*send_up)(void *host, hmx_domid_t caller, const struct hmx_send_addr *addr,
                   const struct hmx_giov *iov, uint32_t niov, uint32_t message_type);
};

/* Provider flags. */
/* Allow rings whose partner is HMX_DOMID_ANY (Xen's argo=1,mac-permissive=1). */
#define HMX_PROVIDER_ALLOW_WILDCARD 0x1u
/* The host's signal hook delivers registered vectors (HMX_FEAT_VECTOR). */
#define HMX_PROVIDER_VECTORS 0x2u
/* Serve a v4v dialect (hmx/v4v.h; at most one of the two): rings are laid
 * out in its header layout, and hmx_provider_v4v_call decodes its calls. */
#define HMX_PROVIDER_V4V_OPENXT 0x100u
#define HMX_PROVIDER_V4V_UXEN 0x200u

/* Domain flags. */
#define HMX_DOMAIN_PRIVILEGED 0x1u /* the toolstack domain */

/* Counters, per ring. */
struct hmx_ring_stats {
    uint64_t messages; /* messages written */
    uint64_t bytes;    /* payload bytes written */
    uint64_t eagain;   /* sends refused for lack of space */
    uint32_t len;      /* data area length */
    uint32_t space;    /* payload space free now */
    uint32_t npending; /* senders waiting for space */
    uint32_t pad;
};

struct hmx_prov_pending {
    hmx_domid_t domain;
    uint16_t pad;
    uint32_t space;
};

/* struct hmx_prov_ring.implicit */
#define HMX_PROV_RING_IMPLICIT 0x1u /* registered with partner HMX_DOMID_IMPLICIT */
#define HMX_PROV_RING_HIDDEN 0x2u   /* deliveries name the source (HMX_DOMID_IMPLICIT, port) */

/* One ring slot.  Fields are private to the provider. */
struct hmx_prov_ring {
    uint32_t in_use;
    hmx_port_t port;
    hmx_domid_t owner;
    hmx_domid_t partner;
    uint32_t npages;
    uint32_t implicit; /* registered for an implicit partner: HMX_PROV_RING_* */
    void *va;
    struct hmx_ring_writer w;
    uint32_t npending;
    struct hmx_prov_pending pending[HMX_PENDING_PER_RING_MAX];
    struct hmx_ring_stats stats;
};

/* One domain slot.  Fields are private to the provider. */
struct hmx_prov_domain {
    uint32_t in_use;
    hmx_domid_t id;
    uint16_t pad;
    uint32_t flags;
    uint32_t ring_count;
    uint64_t signals;
    uint16_t vector[HMX_VECTOR_CPUS]; /* 0: none */
    char label[HMX_LABEL_SIZE];       /* "": none */
    uint32_t nimplicit;
    uint32_t pad2;
    struct hmx_implicit_entry implicit[HMX_IMPLICIT_MAX];
    /* The asynchronous send region (HMX_FEAT_ASYNC); async_entries 0:
     * none.  The indices this provider advances are kept here, never read
     * back from the guest's memory. */
    uint64_t async_gaddr;
    uint32_t async_entries;
    uint32_t async_sq_cons;
    uint32_t async_cq_prod;
    uint32_t async_pad;
};

/* A firewall table.  Private to the provider. */
struct hmx_prov_fw {
    uint32_t installed; /* 0: no table (the firewall allows everything) */
    uint32_t n;
    struct hmx_fw_rule rules[HMX_FW_RULES_MAX];
};

struct hmx_provider {
    struct hmx_provider_hooks hooks;
    struct hmx_prov_domain *domains;
    struct hmx_prov_ring *rings;
    uint32_t ndomains;
    uint32_t nrings;
    uint32_t flags;
    uint32_t magic;
    uint64_t denials;    /* policy denials since init, the firewall's included */
    uint64_t fw_denials; /* the firewall's */
    /* Two tables: a replacement is built in the one not in use, then
     * takes effect at once (fw_live flips). */
    uint32_t fw_live;
    uint32_t pad;
    struct hmx_prov_fw fw[2];
};

/* Declare slot storage for a provider named `name`. */
#define HMX_PROVIDER_STORAGE(name, ndomains, nrings)        \
    struct hmx_prov_domain name##_domains[(ndomains)];      \
    struct hmx_prov_ring name##_rings[(nrings)]

/*
 * hmx_provider_init - set up a provider over the host's slot arrays.
 * flags: HMX_PROVIDER_ALLOW_WILDCARD, HMX_PROVIDER_VECTORS.
 * Returns: 0; HMX_EINVAL (NULL p/hooks/arrays, a required hook missing,
 * zero slots, an unknown flag).
 */
int hmx_provider_init(struct hmx_provider *p, const struct hmx_provider_hooks *hooks,
                      struct hmx_prov_domain *domains, uint32_t ndomains,
                      struct hmx_prov_ring *rings, uint32_t nrings, uint32_t flags);

/*
 * hmx_provider_fini - unregister every ring (unmapping each) and forget all
 * domains.
 */
void hmx_provider_fini(struct hmx_provider *p);

/*
 * hmx_provider_domain_add - make a domain known (Argo enabled for it).
 * Returns: 0; HMX_EINVAL (a reserved id, >= 0x7FF0, or unknown flag);
 * HMX_EEXIST; HMX_ENOMEM (no free domain slot).
 */
int hmx_provider_domain_add(struct hmx_provider *p, hmx_domid_t id, uint32_t flags);

/*
 * hmx_provider_domain_remove - tear a domain down: its rings are
 * unregistered, rings registered for it as partner are unregistered too
 * (as Xen does when a partner dies), and its pending wake-ups dropped.
 * Returns: 0; HMX_ESRCH.
 */
int hmx_provider_domain_remove(struct hmx_provider *p, hmx_domid_t id);

/*
 * hmx_provider_register_ring - XEN_ARGO_OP_register_ring for caller.
 * Returns: 0; HMX_ENODEV (caller unknown); HMX_EINVAL (bad len, npages not
 * HMX_RING_NPAGES(len), non-zero pad, unknown flag, NULL pointers);
 * HMX_EPERM (wildcard partner without HMX_PROVIDER_ALLOW_WILDCARD);
 * HMX_EADDRNOTAVAIL (partner HMX_DOMID_IMPLICIT, and no entry of the
 * caller's table for port); HMX_ENXIO (a partner up a level);
 * HMX_ESRCH (partner unknown); HMX_EACCES (policy); HMX_ENOSPC (the domain
 * has HMX_RINGS_PER_DOMAIN_MAX rings); HMX_EEXIST (with
 * HMX_REGISTER_FAIL_EXIST, or a different len); HMX_ENOMEM (no free ring
 * slot); the map_ring hook's error.
 * Re-registering an existing ring with the same len replaces its mapping and
 * keeps tx_ptr when the new memory's tx_ptr is valid.  Partner
 * HMX_DOMID_PROVIDER receives the provider's discovery answers; partner
 * HMX_DOMID_IMPLICIT is the destination that port resolves to in the
 * caller's table, and unless that entry is HMX_IMPLICIT_VISIBLE the
 * messages the ring receives name their source (HMX_DOMID_IMPLICIT, port).
 */
int hmx_provider_register_ring(struct hmx_provider *p, hmx_domid_t caller,
                               const struct hmx_ring_reg *reg, const hmx_gfn_t *gfns,
                               uint32_t npages, uint32_t flags);

/*
 * hmx_provider_unregister_ring - XEN_ARGO_OP_unregister_ring.
 * Returns: 0; HMX_ENODEV; HMX_EINVAL (NULL, non-zero pad); HMX_ENOENT.
 */
int hmx_provider_unregister_ring(struct hmx_provider *p, hmx_domid_t caller,
                                 const struct hmx_ring_unreg *unreg);

/*
 * hmx_provider_sendv - XEN_ARGO_OP_sendv: copy one message from caller's
 * buffers into the ring that matches addr->dst (a ring registered for
 * caller first, else a wildcard ring), then signal its owner.  A
 * destination HMX_DOMID_IMPLICIT is resolved through the caller's table
 * first (HMX_EADDRNOTAVAIL when it has no entry for the port), and the
 * policy checks the resolved destination; HMX_DOMID_UP goes to the
 * send_up hook (HMX_ENXIO without one); (HMX_DOMID_PROVIDER,
 * HMX_PORT_DISCOVERY) is the discovery service, which writes its answer
 * into the caller's ring (caller, src.port, HMX_DOMID_PROVIDER) before it
 * returns (HMX_ECONNREFUSED without one; HMX_EINVAL for a malformed
 * request; HMX_EAGAIN when the answer does not fit now).
 * Returns: payload bytes; HMX_EINVAL (NULL addr, non-zero pad, niov >
 * HMX_MAXIOV, iov NULL with niov > 0, an iov with a non-zero pad or longer
 * than HMX_MSG_MAX); HMX_EPERM (src.domain is another domain); HMX_ENODEV;
 * HMX_ESRCH (dst domain unknown); HMX_EACCES (policy); HMX_ECONNREFUSED
 * (no matching ring); HMX_EMSGSIZE; HMX_EAGAIN (full: a wake-up for
 * caller is queued, or HMX_EBUSY when the ring already has
 * HMX_PENDING_PER_RING_MAX waiters); the copy hook's error.
 */
int hmx_provider_sendv(struct hmx_provider *p, hmx_domid_t caller, const struct hmx_send_addr *addr,
                       const struct hmx_giov *iov, uint32_t niov, uint32_t message_type);

/*
 * hmx_provider_notify - XEN_ARGO_OP_notify: signal domains waiting for
 * space in caller's rings that now have it, then answer n queries.
 * Returns: 0; HMX_ENODEV; HMX_EINVAL (q NULL with n > 0); HMX_EACCES (n >
 * HMX_NOTIFY_MAX, as Xen; or a destination denied by policy, which stops
 * the walk at that query).
 */
int hmx_provider_notify(struct hmx_provider *p, hmx_domid_t caller, struct hmx_ring_query *q,
                        uint32_t n);

/*
 * hmx_provider_set_vector - HMX_OP_SET_VECTOR for caller: remember the
 * vector on which the host should interrupt caller's CPU cpu when the
 * provider signals it (0 withdraws it).  The provider only records it; the
 * host's signal hook asks hmx_provider_vector and delivers.
 * Returns: 0; HMX_ENODEV; HMX_EINVAL (cpu >= HMX_VECTOR_CPUS, vector >
 * HMX_VECTOR_MAX, flags not 0).
 */
int hmx_provider_set_vector(struct hmx_provider *p, hmx_domid_t caller, uint32_t cpu,
                            uint32_t vector, uint32_t flags);

/*
 * hmx_provider_features - the HMX_FEAT_* bits this provider offers its
 * guests: HMX_FEAT_FIREWALL, HMX_FEAT_IMPLICIT, HMX_FEAT_DISCOVERY,
 * HMX_FEAT_BATCH and HMX_FEAT_ASYNC always; HMX_FEAT_VECTOR when
 * initialised with HMX_PROVIDER_VECTORS.
 * Hosts that publish a discovery block or answer HMX_FEATURES use it.
 */
uint64_t hmx_provider_features(const struct hmx_provider *p);

/*
 * hmx_provider_vector - the vector domain dom registered for CPU cpu.
 * Returns: the vector, or 0 when none (or unknown domain or CPU).
 */
uint32_t hmx_provider_vector(const struct hmx_provider *p, hmx_domid_t dom, uint32_t cpu);

/*
 * hmx_provider_call - perform one HMX call (hmx/mech.h) whose arguments
 * name structures in caller's guest memory: the decoder a host uses to
 * serve the agnostic mechanisms (MSR, CPUID, SMCCC).  Structures are read
 * with copy_from_guest and answers written with copy_to_guest; gfn_scratch
 * (gfn_scratch_len entries, the host's) receives a register call's frame
 * list.  Argument checks are Xen's do_argo_op's.
 * Returns: the operation's result; HMX_EOPNOTSUPP (unknown op); HMX_EINVAL
 * (non-zero unused arguments, a count or type beyond 32 bits, a frame list
 * longer than the scratch); HMX_EFAULT (unreadable or unwritable memory,
 * or no copy_to_guest hook for a notify with queries).
 */
int hmx_provider_call(struct hmx_provider *p, hmx_domid_t caller, uint32_t op, const uint64_t a[4],
                      hmx_gfn_t *gfn_scratch, uint32_t gfn_scratch_len);

/*
 * hmx_provider_v4v_call - perform one v4v_op (cmd, a[0..4]) for caller,
 * in the dialect the provider was initialised for (HMX_PROVIDER_V4V_*):
 * the decoder a host uses to present OpenXT's or uXen's v4v (spec/, "v4v
 * and Argo").  The ring header, page list, addresses, iovs and notify
 * data are read with copy_from_guest at the addresses given (the guest's
 * own addresses, as v4v passes them); the ring id's domain and the notify
 * answers are written back with copy_to_guest.  gfn_scratch receives the
 * page list.  Served: register_ring, unregister_ring, send, notify, sendv
 * (at most HMX_MAXIOV iovs); every other cmd answers ENOSYS, as v4v does.
 * Returns: the result (>= 0: 0, or payload bytes for send and sendv), or
 * minus the errno the dialect's hypervisor returns in the same situation
 * (hmx_v4v_err_to_dialect); -ENOSYS (-38) from a provider serving no v4v
 * dialect.
 */
int hmx_provider_v4v_call(struct hmx_provider *p, hmx_domid_t caller, uint32_t cmd,
                          const uint64_t a[5], hmx_gfn_t *gfn_scratch, uint32_t gfn_scratch_len);

/*
 * hmx_provider_smccc - serve one trapped SMCCC call of the HMX function
 * range at base (hmx/smccc.h) for domain caller: HMX_VERSION,
 * HMX_FEATURES, HMX_CALL (through hmx_provider_call), and the range's
 * count, UID and revision.  out receives x0..x3.
 * Returns: 1 if the function ID is in the range (out is the answer; an
 * unassigned ID in the range answers NOT_SUPPORTED); 0 if it is not ours
 * (out untouched), so the monitor handles it.
 */
int hmx_provider_smccc(struct hmx_provider *p, hmx_domid_t caller, uint32_t base,
                       const uint64_t in[18], uint64_t out[4], hmx_gfn_t *gfn_scratch,
                       uint32_t gfn_scratch_len);

/*
 * hmx_provider_query - answer one ring query for caller, without the
 * wake-up pass of notify (for decoders that walk a guest's query list
 * entry by entry and write each answer back as it goes, as Xen does).
 * Returns: as one entry of hmx_provider_notify; HMX_EINVAL for NULL q.
 */
int hmx_provider_query(struct hmx_provider *p, hmx_domid_t caller, struct hmx_ring_query *q);

/* ---- Many messages per trap (spec/, section 19; src/provider/batch.c) -- */

/*
 * hmx_provider_sendv_batch - HMX_OP_SENDV_BATCH: the n descriptors (struct
 * hmx_batch_desc) at guest address gaddr of caller, each read once with
 * copy_from_guest, checked and sent as hmx_provider_sendv, its result
 * written back with copy_to_guest before the next is read.  With
 * HMX_BATCH_STOP the call ends after the first failed message.
 * Returns: the number of descriptors processed (a descriptor or result
 * that cannot be copied ends the call there); HMX_EINVAL (n 0 or above
 * HMX_BATCH_MAX, an unknown flag); HMX_EFAULT (the first descriptor cannot
 * be read or its result written, or no copy_to_guest hook); HMX_ENODEV.
 */
int hmx_provider_sendv_batch(struct hmx_provider *p, hmx_domid_t caller, uint64_t gaddr,
                             uint32_t n, uint32_t flags);

/*
 * hmx_provider_async_setup - HMX_OP_ASYNC_SETUP: register caller's
 * asynchronous send region at gaddr (HMX_ASYNC_SIZE(entries) bytes, reached
 * with the copy hooks) and write its empty header; gaddr 0 with entries 0
 * withdraws it.  flags must be 0.
 * Returns: 0; HMX_EINVAL (entries not a power of two up to
 * HMX_ASYNC_ENTRIES_MAX, gaddr not 4 KiB aligned, flags); HMX_EEXIST
 * (caller has a region); HMX_ENOENT (nothing to withdraw); HMX_EFAULT
 * (the header cannot be written, or no copy_to_guest hook); HMX_ENODEV.
 */
int hmx_provider_async_setup(struct hmx_provider *p, hmx_domid_t caller, uint64_t gaddr,
                             uint32_t entries, uint32_t flags);

/*
 * hmx_provider_async_doorbell - HMX_OP_ASYNC_DOORBELL: mark caller's region
 * draining, take every submission queued (re-reading sq_prod until none is
 * left, at most 4 * entries per call) while completions fit, post one
 * completion for each, then mark it idle and look once more, so that a
 * submission queued while the state still read "draining" is never left
 * behind.  Each index is read once per use and checked.
 * Returns: the number of submissions taken; HMX_ENOENT (no region);
 * HMX_EINVAL (the guest's sq_prod or cq_cons is impossible: the region is
 * left idle); HMX_EFAULT; HMX_ENODEV.
 */
int hmx_provider_async_doorbell(struct hmx_provider *p, hmx_domid_t caller);

/*
 * hmx_provider_async_poll - for a host that drains on a CPU of its own:
 * as hmx_provider_async_doorbell, but the region stays "draining" when the
 * submission ring runs dry, so the guest queues without ringing.  A host
 * calls it as often as it likes while it polls, and ends every polling
 * period with hmx_provider_async_doorbell, which goes idle and looks
 * once more (spec/, section 19.5).  An error leaves the region idle.
 * Returns: as hmx_provider_async_doorbell.
 */
int hmx_provider_async_poll(struct hmx_provider *p, hmx_domid_t caller);

/* ---- Policy and addressing (spec/, sections 7.5 to 7.8, 17 and 18) ----- */

/*
 * The management operations below act for caller, which is either a domain
 * added with HMX_DOMAIN_PRIVILEGED (a guest's HMX_OP_FW_* call, decoded by
 * hmx_provider_call) or HMX_DOMID_PROVIDER: the host itself, always
 * privileged.  Any other caller gets HMX_EPERM (an unknown one HMX_ENODEV)
 * before its arguments are looked at.
 */

/*
 * hmx_provider_fw_set - replace the firewall table by rules[0..n-1], at
 * once: every rule is checked first (hmx_fw_rule_check) and a failure
 * leaves the old table in force.  flags HMX_FW_SET_CLEAR (n must be 0)
 * removes the table: the firewall then allows everything.  An installed
 * table with no rule denies everything.
 * Returns: 0; HMX_EPERM; HMX_ENODEV; HMX_EINVAL (a bad rule, an unknown
 * flag, CLEAR with rules, rules NULL with n > 0); HMX_ENOSPC (n >
 * HMX_FW_RULES_MAX).
 */
int hmx_provider_fw_set(struct hmx_provider *p, hmx_domid_t caller,
                        const struct hmx_fw_rule *rules, uint32_t n, uint32_t flags);

/*
 * hmx_provider_fw_list - copy rules first .. first + cap - 1 (those that
 * exist) of the table to out.
 * Returns: the number of rules in the table; HMX_ENOENT (no table);
 * HMX_EPERM; HMX_ENODEV; HMX_EINVAL (out NULL with cap > 0).
 */
int hmx_provider_fw_list(const struct hmx_provider *p, hmx_domid_t caller,
                         struct hmx_fw_rule *out, uint32_t cap, uint32_t first);

/*
 * hmx_provider_fw_add - insert one rule before position pos (pos >= the
 * number of rules: append).  With no table installed, installs one.
 * Returns: 0; HMX_EPERM; HMX_ENODEV; HMX_EINVAL (a bad rule);
 * HMX_ENOSPC (the table holds HMX_FW_RULES_MAX rules).
 */
int hmx_provider_fw_add(struct hmx_provider *p, hmx_domid_t caller, const struct hmx_fw_rule *rule,
                        uint32_t pos);

/*
 * hmx_provider_fw_del - remove rule index; later rules move up by one.
 * Returns: 0; HMX_EPERM; HMX_ENODEV; HMX_ENOENT (no table, or no such rule).
 */
int hmx_provider_fw_del(struct hmx_provider *p, hmx_domid_t caller, uint32_t index);

/*
 * hmx_provider_set_label - give domain dom the label label (a
 * NUL-terminated string of 1..15 characters [A-Za-z0-9_.-]); "" removes it.
 * Returns: 0; HMX_EPERM; HMX_ENODEV; HMX_EINVAL (a malformed label);
 * HMX_ESRCH (dom unknown).
 */
int hmx_provider_set_label(struct hmx_provider *p, hmx_domid_t caller, hmx_domid_t dom,
                           const char *label);

/*
 * hmx_provider_implicit_set - replace domain dom's implicit-destination
 * table by e[0..n-1], at once.  Each entry: a well-known service port
 * other than HMX_PORT_DISCOVERY, each at most once; or the one default
 * entry (HMX_IMPLICIT_DEFAULT, service 0); a destination domain below
 * 0x7FF0 or HMX_DOMID_UP; known flags; reserved zero.  Destinations need
 * not exist yet: a send finds out.
 * Returns: 0; HMX_EPERM; HMX_ENODEV; HMX_ESRCH (dom unknown); HMX_EINVAL
 * (a bad entry, n > HMX_IMPLICIT_MAX, e NULL with n > 0).
 */
int hmx_provider_implicit_set(struct hmx_provider *p, hmx_domid_t caller, hmx_domid_t dom,
                              const struct hmx_implicit_entry *e, uint32_t n);

/*
 * hmx_provider_implicit_list - copy up to cap entries of dom's table to out.
 * Returns: the number of entries in the table; HMX_EPERM; HMX_ENODEV;
 * HMX_ESRCH; HMX_EINVAL (out NULL with cap > 0).
 */
int hmx_provider_implicit_list(const struct hmx_provider *p, hmx_domid_t caller, hmx_domid_t dom,
                               struct hmx_implicit_entry *out, uint32_t cap);

/*
 * hmx_provider_fw_denials - denials since init: all of them (*total,
 * the host policy's included) and the firewall's (the result).
 */
uint64_t hmx_provider_fw_denials(const struct hmx_provider *p, uint64_t *total);

/*
 * hmx_provider_ring_stats - counters of the ring (owner, port, partner).
 * Returns: 0; HMX_EINVAL (NULL out); HMX_ENOENT.
 */
int hmx_provider_ring_stats(const struct hmx_provider *p, hmx_domid_t owner, hmx_port_t port,
                            hmx_domid_t partner, struct hmx_ring_stats *out);

/*
 * hmx_provider_domain_signals - signals raised for a domain so far.
 * Returns: the count, or 0 for an unknown domain.
 */
uint64_t hmx_provider_domain_signals(const struct hmx_provider *p, hmx_domid_t id);

#ifdef __cplusplus
}
#endif

#endif /* HMX_PROVIDER_H */
