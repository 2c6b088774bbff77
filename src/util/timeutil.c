/* timeutil.c - duration and RFC 3339 handling. */
#include "util/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int ftime_parse_duration(const char *s, bool allow_hours, int64_t *ms)
{
	double total = 0;
	const char *p = s;

	if (!s || !*s)
		return -1;
	while (*p) {
		double value = 0, frac = 0, scale = 1;
		double unit;

		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p)) {
			value = value * 10 + (*p - '0');
			if (value > 1e15)
				return -1;
			p++;
		}
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			while (isdigit((unsigned char)*p)) {
				scale /= 10;
				frac += (*p - '0') * scale;
				p++;
			}
		}
		if (p[0] == 'm' && p[1] == 's') {
			unit = 1;
			p += 2;
		} else if (*p == 's') {
			unit = 1000;
			p++;
		} else if (*p == 'm') {
			unit = 60000;
			p++;
		} else if (*p == 'h' && allow_hours) {
			unit = 3600000;
			p++;
		} else {
			return -1;
		}
		total += (value + frac) * unit;
		if (total > 9.2e15)
			return -1;
	}
	*ms = (int64_t)(total + 0.5);
	return 0;
}

void ftime_format_duration(int64_t ms, char *out, size_t n)
{
	int64_t h, m, s, rem;

	if (ms == 0) {
		snprintf(out, n, "0s");
		return;
	}
	if (ms < 1000) {
		snprintf(out, n, "%lldms", (long long)ms);
		return;
	}
	h = ms / 3600000;
	m = (ms / 60000) % 60;
	s = (ms / 1000) % 60;
	rem = ms % 1000;
	char secs[32];
	if (rem) {
		char frac[8];
		int len;
		snprintf(frac, sizeof(frac), "%03lld", (long long)rem);
		len = (int)strlen(frac);
		while (len > 0 && frac[len - 1] == '0')
			frac[--len] = '\0';
		snprintf(secs, sizeof(secs), "%lld.%ss", (long long)s, frac);
	} else {
		snprintf(secs, sizeof(secs), "%llds", (long long)s);
	}
	if (h)
		snprintf(out, n, "%lldh%lldm%s", (long long)h, (long long)m, secs);
	else if (m)
		snprintf(out, n, "%lldm%s", (long long)m, secs);
	else
		snprintf(out, n, "%s", secs);
}

static int digits(const char *p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

int ftime_parse_rfc3339(const char *s, int64_t *sec, int32_t *nsec)
{
	int Y, M, D, h, m, sc, oh = 0, om = 0, sign = 0;
	int32_t ns = 0;
	const char *p;

	if (!s || strlen(s) < 20)
		return -1;
	if (digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
	    digits(s + 8, 2, &D) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sc))
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 || m > 59 || sc > 59)
		return -1;
	p = s + 19;
	if (*p == '.') {
		int nd = 0;
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p)) {
			if (nd < 9) {
				ns = ns * 10 + (*p - '0');
				nd++;
			}
			p++;
		}
		while (nd++ < 9)
			ns *= 10;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	*sec = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sc -
	       sign * (oh * 3600 + om * 60);
	if (nsec)
		*nsec = ns;
	return 0;
}

void ftime_format_rfc3339(int64_t sec, char *out, size_t n)
{
	time_t t = (time_t)sec;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ftime_format_rfc1123z(int64_t sec, char *out, size_t n)
{
	static const char *wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)sec;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday,
		 mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int64_t ftime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

int64_t ftime_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ftime_format_age(int64_t seconds, char *out, size_t n)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 120)
		snprintf(out, n, "%llds", (long long)seconds);
	else if (seconds < 2 * 3600)
		snprintf(out, n, "%lldm", (long long)(seconds / 60));
	else if (seconds < 2 * 86400)
		snprintf(out, n, "%lldh", (long long)(seconds / 3600));
	else
		snprintf(out, n, "%lldd", (long long)(seconds / 86400));
}
