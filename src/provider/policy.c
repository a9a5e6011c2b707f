/* SPDX-License-Identifier: MIT */
/*
 * The reference provider's policy and addressing tables: the firewall,
 * domain labels and implicit-destination tables, and their management by
 * the privileged domain (spec/, sections 7.5 to 7.8 and 17).  Decisions
 * and resolution themselves live with the operations, in provider.c.
 */
#include "hmx/policy.h"
#include "hmx/provider.h"
#include "hmx_env.h"
#include "prov_internal.h"

int hmx__prov_may_manage(const struct hmx_provider *p, hmx_domid_t caller)
{
    const struct hmx_prov_domain *d;

    if (!hmx__prov_ok(p))
        return HMX_EINVAL;
    if (caller == HMX_DOMID_PROVIDER)
        return 0; /* the host itself */
    d = hmx__prov_domain(p, caller);
    if (d == NULL)
        return HMX_ENODEV;
    return (d->flags & HMX_DOMAIN_PRIVILEGED) ? 0 : HMX_EPERM;
}

/* ---- the firewall ------------------------------------------------------ */

int hmx__prov_fw_replace(struct hmx_provider *p, hmx_domid_t caller, uint32_t n, uint32_t flags,
                         hmx__fw_read_fn read, void *arg)
{
    struct hmx_prov_fw *next;
    uint32_t i;
    int rc;

    rc = hmx__prov_may_manage(p, caller);
    if (rc < 0)
        return rc;
    if ((flags & ~HMX_FW_SET_CLEAR) != 0 || ((flags & HMX_FW_SET_CLEAR) && n != 0))
        return HMX_EINVAL;
    if (n > HMX_FW_RULES_MAX)
        return HMX_ENOSPC;
    /* Build the new table where nothing looks, then switch to it. */
    next = &p->fw[p->fw_live ^ 1u];
    for (i = 0; i < n; i++) {
        rc = read(arg, i, &next->rules[i]);
        if (rc < 0)
            return rc;
        if (hmx_fw_rule_check(&next->rules[i]) < 0)
            return HMX_EINVAL;
    }
    next->n = n;
    next->installed = (flags & HMX_FW_SET_CLEAR) ? 0u : 1u;
    p->fw_live ^= 1u;
    return 0;
}

static int read_host(void *arg, uint32_t i, struct hmx_fw_rule *out)
{
    *out = ((const struct hmx_fw_rule *)arg)[i];
    return 0;
}

int hmx_provider_fw_set(struct hmx_provider *p, hmx_domid_t caller,
                        const struct hmx_fw_rule *rules, uint32_t n, uint32_t flags)
{
    if (rules == NULL && n != 0) {
        int rc = hmx__prov_may_manage(p, caller);

        return rc < 0 ? rc : HMX_EINVAL;
    }
    return hmx__prov_fw_replace(p, caller, n, flags, read_host, (void *)(uintptr_t)rules);
}

int hmx_provider_fw_list(const struct hmx_provider *p, hmx_domid_t caller,
                         struct hmx_fw_rule *out, uint32_t cap, uint32_t first)
{
    const struct hmx_prov_fw *fw;
    uint32_t i;
    int rc;

    rc = hmx__prov_may_manage(p, caller);
    if (rc < 0)
        return rc;
    if (out == NULL && cap != 0)
        return HMX_EINVAL;
    fw = &p->fw[p->fw_live];
    if (!fw->installed)
        return HMX_ENOENT;
    for (i = 0; i < cap && first < fw->n && i < fw->n - first; i++)
        out[i] = fw->rules[first + i];
    return (int)fw->n;
}

int hmx_provider_fw_add(struct hmx_provider *p, hmx_domid_t caller, const struct hmx_fw_rule *rule,
                        uint32_t pos)
{
    struct hmx_prov_fw *fw;
    uint32_t i;
    int rc;

    rc = hmx__prov_may_manage(p, caller);
    if (rc < 0)
        return rc;
    if (hmx_fw_rule_check(rule) < 0)
        return HMX_EINVAL;
    fw = &p->fw[p->fw_live];
    if (!fw->installed) {
        fw->n = 0;
        fw->installed = 1;
    }
    if (fw->n == HMX_FW_RULES_MAX)
        return HMX_ENOSPC;
    if (pos > fw->n)
        pos = fw->n;
    for (i = fw->n; i > pos; i--)
        fw->rules[i] = fw->rules[i - 1];
    fw->rules[pos] = *rule;
    fw->n++;
    return 0;
}

int hmx_provider_fw_del(struct hmx_provider *p, hmx_domid_t caller, uint32_t index)
{
    struct hmx_prov_fw *fw;
    uint32_t i;
    int rc;

    rc = hmx__prov_may_manage(p, caller);
    if (rc < 0)
        return rc;
    fw = &p->fw[p->fw_live];
    if (!fw->installed || index >= fw->n)
        return HMX_ENOENT;
    for (i = index; i + 1 < fw->n; i++)
        fw->rules[i] = fw->rules[i + 1];
    fw->n--;
    return 0;
}

uint64_t hmx_provider_fw_denials(const struct hmx_provider *p, uint64_t *total)
{
    if (total != NULL)
        *total = hmx__prov_ok(p) ? p->denials : 0;
    return hmx__prov_ok(p) ? p->fw_denials : 0;
}

/* ---- labels ------------------------------------------------------------ */

int hmx_provider_set_label(struct hmx_provider *p, hmx_domid_t caller, hmx_domid_t dom,
                           const char *label)
{
    char buf[HMX_LABEL_SIZE];
    struct hmx_prov_domain *d;
    unsigned n = 0;
    int rc;

    rc = hmx__prov_may_manage(p, caller);
    if (rc < 0)
        return rc;
    if (label == NULL)
        return HMX_EINVAL;
    hmx_env_memset(buf, 0, sizeof(buf));
    while (label[n] != '\0') {
        if (n == HMX_LABEL_SIZE - 1)
            return HMX_EINVAL; /* too long (bounded: never reads past 16 bytes) */
        buf[n] = label[n];
        n++;
    }
    if (n > 0 && hmx_label_check(buf) < 0)
        return HMX_EINVAL;
    d = hmx__prov_domain(p, dom);
    if (d == NULL)
        return HMX_ESRCH;
    hmx_env_memcpy(d->label, buf, sizeof(buf));
    return 0;
}

/* ---- implicit destinations ----------------------------------------------- */

static int implicit_valid(const struct hmx_implicit_entry *e, uint32_t n)
{
    uint32_t i, j, defaults = 0;

    for (i = 0; i < n; i++) {
        if (e[i].reserved != 0 ||
            (e[i].flags & ~(HMX_IMPLICIT_VISIBLE | HMX_IMPLICIT_DEFAULT)) != 0)
            return 0;
        if (e[i].domain >= 0x7FF0u && e[i].domain != HMX_DOMID_UP)
            return 0;
        if (e[i].flags & HMX_IMPLICIT_DEFAULT) {
            if (e[i].service != 0 || ++defaults > 1)
                return 0;
            continue;
        }
        if (!HMX_PORT_IS_WELL_KNOWN(e[i].service) || e[i].service == HMX_PORT_DISCOVERY)
            return 0;
        for (j = 0; j < i; j++)
            if (!(e[j].flags & HMX_IMPLICIT_DEFAULT) && e[j].service == e[i].service)
                return 0;
    }
    return 1;
}

int hmx_provider_implicit_set(struct hmx_provider *p, hmx_domid_t caller, hmx_domid_t dom,
                              const struct hmx_implicit_entry *e, uint32_t n)
{
    struct hmx_prov_domain *d;
    int rc;

    rc = hmx__prov_may_manage(p, caller);
    if (rc < 0)
        return rc;
    if ((e == NULL && n != 0) || n > HMX_IMPLICIT_MAX || !implicit_valid(e, n))
        return HMX_EINVAL;
    d = hmx__prov_domain(p, dom);
    if (d == NULL)
        return HMX_ESRCH;
    if (n > 0)
        hmx_env_memcpy(d->implicit, e, n * sizeof(*e));
    d->nimplicit = n;
    return 0;
}

int hmx_provider_implicit_list(const struct hmx_provider *p, hmx_domid_t caller, hmx_domid_t dom,
                               struct hmx_implicit_entry *out, uint32_t cap)
{
    const struct hmx_prov_domain *d;
    uint32_t i;
    int rc;

    rc = hmx__prov_may_manage(p, caller);
    if (rc < 0)
        return rc;
    if (out == NULL && cap != 0)
        return HMX_EINVAL;
    d = hmx__prov_domain(p, dom);
    if (d == NULL)
        return HMX_ESRCH;
    for (i = 0; i < cap && i < d->nimplicit; i++)
        out[i] = d->implicit[i];
    return (int)d->nimplicit;
}
