/* ctlproto.c - control requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"

static const char *const cmd_names[] = {
	[CTL_STATUS] = "status",
	[CTL_STATS] = "stats",
	[CTL_TOP] = "top",
	[CTL_RELOAD] = "reload",
};

const char *ctl_cmd_name(enum ctl_cmd c)
{
	return cmd_names[c];
}

static bool zone_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > ZG_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static int opt(struct ctl_req *r, const char *tok, size_t n, char *err,
	       size_t errlen)
{
	const char *eq = memchr(tok, '=', n), *v, *colon;
	size_t kl, vl;

	if (eq == NULL) {
		snprintf(err, errlen, "expected KEY=VALUE");
		return -1;
	}
	kl = (size_t)(eq - tok);
	v = eq + 1;
	vl = n - kl - 1;
	if (kl == 6 && memcmp(tok, "format", 6) == 0) {
		if (vl == 4 && memcmp(v, "json", 4) == 0)
			r->json = true;
		else if (vl == 4 && memcmp(v, "text", 4) == 0)
			r->json = false;
		else
			goto bad;
		return 0;
	}
	if (kl == 1 && tok[0] == 'n') {
		unsigned long x = 0;
		size_t i;

		if (vl == 0 || vl > 4)
			goto bad;
		for (i = 0; i < vl; i++) {
			if (v[i] < '0' || v[i] > '9')
				goto bad;
			x = x * 10 + (unsigned long)(v[i] - '0');
		}
		if (x < 1 || x > 1000)
			goto bad;
		r->n = (unsigned)x;
		return 0;
	}
	if (kl == 4 && memcmp(tok, "pair", 4) == 0) {
		colon = memchr(v, ':', vl);
		if (colon == NULL || !zone_name_ok(v, (size_t)(colon - v)) ||
		    !zone_name_ok(colon + 1, vl - (size_t)(colon - v) - 1))
			goto bad;
		memcpy(r->from, v, (size_t)(colon - v));
		r->from[colon - v] = '\0';
		memcpy(r->to, colon + 1, vl - (size_t)(colon - v) - 1);
		r->to[vl - (size_t)(colon - v) - 1] = '\0';
		r->has_pair = true;
		return 0;
	}
	snprintf(err, errlen, "unknown option");
	return -1;
bad:
	snprintf(err, errlen, "bad value for option");
	return -1;
}

int ctl_parse(const char *buf, size_t len, struct ctl_req *req, char *err,
	      size_t errlen)
{
	const char *tok[8];
	size_t tl[8], nt = 0, i = 0, k;

	memset(req, 0, sizeof(*req));
	req->n = 10;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len > CTL_REQ_MAX) {
		snprintf(err, errlen, "empty or oversized request");
		return -1;
	}
	for (k = 0; k < len; k++)
		if ((unsigned char)buf[k] < 0x20 || (unsigned char)buf[k] > 0x7e) {
			snprintf(err, errlen, "request must be printable ASCII");
			return -1;
		}
	while (i < len) {
		while (i < len && buf[i] == ' ')
			i++;
		if (i == len)
			break;
		if (nt == 8) {
			snprintf(err, errlen, "too many words");
			return -1;
		}
		tok[nt] = buf + i;
		while (i < len && buf[i] != ' ')
			i++;
		tl[nt] = (size_t)(buf + i - tok[nt]);
		nt++;
	}
	if (nt < 2 || tl[0] != strlen(CTL_VERSION) ||
	    memcmp(tok[0], CTL_VERSION, tl[0]) != 0) {
		snprintf(err, errlen, "expected \"%s COMMAND\"", CTL_VERSION);
		return -1;
	}
	for (k = 0; k < sizeof(cmd_names) / sizeof(cmd_names[0]); k++)
		if (tl[1] == strlen(cmd_names[k]) &&
		    memcmp(tok[1], cmd_names[k], tl[1]) == 0)
			break;
	if (k == sizeof(cmd_names) / sizeof(cmd_names[0])) {
		snprintf(err, errlen, "unknown command");
		return -1;
	}
	req->cmd = (enum ctl_cmd)k;
	for (i = 2; i < nt; i++)
		if (opt(req, tok[i], tl[i], err, errlen) < 0)
			return -1;
	return 0;
}
