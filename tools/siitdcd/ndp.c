// SPDX-License-Identifier: GPL-2.0
/*
 * Proxy neighbour entries ("ip -6 neigh add proxy ADDR dev IFACE") over
 * rtnetlink: with them the host answers neighbour solicitations for a
 * container's address on its uplink, for containers numbered from the
 * host's own subnet (no route to them exists upstream).
 *
 * One rtnetlink socket, opened on first use and kept: the requests are
 * answered synchronously by the kernel and are quick, so the event loop
 * is not held up.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <linux/neighbour.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>

#include "siitdcd.h"

static struct nl_sock *ndp_sk;

static int ndp_errno(int nlerr);

static int ndp_socket(void)
{
	int err;

	if (ndp_sk)
		return 0;
	ndp_sk = nl_socket_alloc();
	if (!ndp_sk)
		return -ENOMEM;
	err = nl_connect(ndp_sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(ndp_sk);
		ndp_sk = NULL;
		return ndp_errno(err);
	}
	return 0;
}

/* libnl's own error codes -> the errno the kernel most likely sent. */
static int ndp_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST:		return -EEXIST;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_NODEV:		return -ENODEV;
	case NLE_PERM:		return -EPERM;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_INVAL:		return -EINVAL;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	default:		return -EIO;
	}
}

int sd_ndp_proxy(const char *ifname, const struct in6_addr *v6, bool add)
{
	struct rtnl_neigh *n = NULL;
	struct nl_addr *dst = NULL;
	unsigned int ifindex;
	int err;

	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	err = ndp_socket();
	if (err)
		return err;

	n = rtnl_neigh_alloc();
	dst = nl_addr_build(AF_INET6, v6, sizeof(*v6));
	if (!n || !dst) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_neigh_set_family(n, AF_INET6);
	rtnl_neigh_set_ifindex(n, (int)ifindex);
	rtnl_neigh_set_dst(n, dst);
	rtnl_neigh_set_flags(n, NTF_PROXY);
	if (add) {
		rtnl_neigh_set_state(n, NUD_PERMANENT);
		/* Replace: a reconcile re-adds what is already there. */
		err = rtnl_neigh_add(ndp_sk, n, NLM_F_CREATE | NLM_F_REPLACE);
	} else {
		err = rtnl_neigh_delete(ndp_sk, n, 0);
	}
	if (err < 0)
		err = ndp_errno(err);
out:
	nl_addr_put(dst);
	rtnl_neigh_put(n);
	return err;
}
