/* live.c - live capture from a network interface with libpcap.
 *
 * Passivity guarantee.  mieruka watches factory networks where one stray frame
 * can upset a controller, so this file - the only one in mieruka that includes
 * <pcap.h> - opens the interface for reading only:
 *   - it calls no libpcap function that transmits: pcap_inject() and
 *     pcap_sendpacket() are poisoned below, so any use is a compile error;
 *   - the handle is put in promiscuous mode (to see mirrored traffic) and
 *     nothing else: no monitor mode, no direction filter (a SPAN/mirror port
 *     delivers both directions as "incoming", and pcap_setdirection() could
 *     hide half of them), no filter program that could be mistaken for a
 *     configuration change on the wire;
 *   - no other part of mieruka opens sockets on the monitored interface.
 * Promiscuous mode changes only what the local NIC accepts; it sends nothing.
 *
 * The loop: pcap_next_ex() with a short buffer timeout, so mk_capture_next()
 * returns MK_CAP_AGAIN when the wire is quiet and the caller can flush and
 * check for signals; mk_capture_break() uses pcap_breakloop(), which on Linux
 * also wakes a blocked poll.
 */
#include "mieruka/capture.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "capture_int.h"

#pragma GCC poison pcap_inject pcap_sendpacket

/* Kernel ring buffer: enough for a burst of a few seconds on a busy mirror. */
#define MK_LIVE_BUFFER (32 * 1024 * 1024)
/* ms: how long a quiet wire can block mk_capture_next(). */
#define MK_LIVE_TIMEOUT_MS 200
/* Refresh the kernel drop counter this often (packets). */
#define MK_LIVE_STATS_EVERY 65536u

static void live_update_stats(struct mk_capture *cap)
{
	struct pcap_stat ps;

	if (pcap_stats((pcap_t *)cap->pcap, &ps) == 0)
		cap->stats.dropped = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
}

static enum mk_capture_rc live_next(struct mk_capture *cap, struct mk_pkt *pkt)
{
	pcap_t *p = cap->pcap;
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	if (cap->broken)
		return MK_CAP_EOF;
	rc = pcap_next_ex(p, &h, &data);
	if (rc == 0) {
		live_update_stats(cap);
		return MK_CAP_AGAIN;
	}
	if (rc == PCAP_ERROR_BREAK) {
		live_update_stats(cap);
		return MK_CAP_EOF;
	}
	if (rc != 1) {
		snprintf(cap->err, sizeof(cap->err), "%s: capture failed (%s)", cap->name, pcap_geterr(p));
		return MK_CAP_ERROR;
	}
	/* libpcap bounds caplen by the snap length; keep our own maximum too. */
	uint32_t caplen = h->caplen < MK_CAPTURE_MAX_CAPLEN ? h->caplen : MK_CAPTURE_MAX_CAPLEN;

	pkt->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u +
	             (uint64_t)h->ts.tv_usec * (cap->nsec ? 1u : 1000u);
	pkt->data = data;
	pkt->caplen = caplen;
	pkt->wirelen = h->len > caplen ? h->len : caplen;
	pkt->linktype = cap->linktype;
	pkt->ifindex = 0;
	pkt->file_index = cap->file_index;
	pkt->file_offset = 0;
	mk_cap_count(cap, pkt);
	if (cap->stats.packets % MK_LIVE_STATS_EVERY == 0)
		live_update_stats(cap);
	return MK_CAP_PACKET;
}

struct mk_capture *mk_capture_open_live(const char *iface, uint32_t snaplen, char err[MK_CAPTURE_ERRLEN])
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct mk_capture *cap;
	pcap_t *p;
	int rc;

	if (snaplen == 0)
		snaplen = 65535;
	if (snaplen > MK_CAPTURE_MAX_CAPLEN)
		snaplen = MK_CAPTURE_MAX_CAPLEN;
	p = pcap_create(iface, perr);
	if (p == NULL) {
		snprintf(err, MK_CAPTURE_ERRLEN, "%s: cannot open interface (%s)", iface, perr);
		return NULL;
	}
	cap = mk_cap_alloc(MK_CAP_FMT_LIVE, iface, 0);
	if (cap == NULL) {
		snprintf(err, MK_CAPTURE_ERRLEN, "%s: out of memory", iface);
		pcap_close(p);
		return NULL;
	}
	cap->pcap = p;
	pcap_set_snaplen(p, (int)snaplen);
	pcap_set_promisc(p, 1);
	pcap_set_timeout(p, MK_LIVE_TIMEOUT_MS);
	pcap_set_buffer_size(p, MK_LIVE_BUFFER);
	cap->nsec = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;
	rc = pcap_activate(p);
	if (rc < 0) {
		const char *why = pcap_statustostr(rc);

		if (rc == PCAP_ERROR_PERM_DENIED)
			why = "permission denied: run as root or give the program CAP_NET_RAW and CAP_NET_ADMIN";
		else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
			why = "no such interface";
		else if (rc == PCAP_ERROR_IFACE_NOT_UP)
			why = "interface is down";
		else if (rc == PCAP_ERROR)
			why = pcap_geterr(p);
		snprintf(err, MK_CAPTURE_ERRLEN, "%s: cannot start capture (%s)", iface, why);
		mk_capture_close(cap);
		return NULL;
	}
	if (rc > 0) /* a warning, e.g. promiscuous mode not supported */
		mk_cap_warn(cap, "%s", rc == PCAP_WARNING ? pcap_geterr(p) : pcap_statustostr(rc));
	/* pcap_activate may lower the precision; ask what we really got. */
	cap->nsec = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	/* pcap_datalink() answers a DLT_ value; files and pkt.h use LINKTYPE_
	 * values, which differ only for raw IP among the types we decode. */
	rc = pcap_datalink(p);
	if (rc == DLT_RAW)
		rc = MK_LINK_RAW;
	cap->linktype = rc >= 0 ? (uint16_t)rc : 0;
	cap->next = live_next;
	return cap;
}

void mk_cap_live_break(struct mk_capture *cap)
{
	if (cap->pcap != NULL)
		pcap_breakloop((pcap_t *)cap->pcap);
}

void mk_cap_live_close(struct mk_capture *cap)
{
	if (cap->pcap != NULL)
		pcap_close((pcap_t *)cap->pcap);
	cap->pcap = NULL;
}
