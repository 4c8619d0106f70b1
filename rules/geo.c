/* geo.c — MaxMind DB lookups (libmaxminddb): City/Country and ASN data. */
#include "config.h"

#include "rules/geo.h"

#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "decode/mem.h"

#define GEO_MAX_DBS 4

struct geo_db {
	MMDB_s db[GEO_MAX_DBS];
	size_t n;
};

static void close_all(struct geo_db *g)
{
	for (size_t i = 0; i < g->n; i++)
		MMDB_close(&g->db[i]);
	g->n = 0;
}

/* A database must have something we use: a country or an AS number.  This
 * catches files that open but are not GeoIP data (or are damaged inside). */
static bool usable(MMDB_s *db)
{
	const char *t = db->metadata.database_type;
	return t && (strstr(t, "City") || strstr(t, "Country") || strstr(t, "ASN") ||
		     strstr(t, "ISP") || strstr(t, "Enterprise"));
}

struct geo_db *geo_open(const char *files, char *err, size_t errlen)
{
	struct geo_db *g = xcalloc(1, sizeof *g);
	char *list = xstrdup(files), *save = NULL;
	for (char *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		if (g->n == GEO_MAX_DBS) {
			snprintf(err, errlen, "%s: at most %d GeoIP databases", f, GEO_MAX_DBS);
			goto fail;
		}
		if (access(f, R_OK) != 0) {
			snprintf(err, errlen, "%s: %s", f, strerror(errno));
			goto fail;
		}
		int rc = MMDB_open(f, MMDB_MODE_MMAP, &g->db[g->n]);
		if (rc != MMDB_SUCCESS) {
			if (rc == MMDB_IO_ERROR && errno)
				snprintf(err, errlen, "%s: %s", f, strerror(errno));
			else
				snprintf(err, errlen, "%s: not a usable MaxMind database (%s)", f,
					 MMDB_strerror(rc));
			goto fail;
		}
		g->n++;
		if (!usable(&g->db[g->n - 1])) {
			snprintf(err, errlen, "%s: not a GeoIP City, Country or ASN database (type %s)", f,
				 g->db[g->n - 1].metadata.database_type);
			goto fail;
		}
	}
	free(list);
	if (g->n == 0) {
		snprintf(err, errlen, "--geoip: no database file given");
		free(g);
		return NULL;
	}
	return g;
fail:
	free(list);
	close_all(g);
	free(g);
	return NULL;
}

static void get_str(MMDB_entry_s *e, char *out, size_t outsz, const char *const *path)
{
	MMDB_entry_data_s d;
	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return;
	size_t n = d.data_size < outsz - 1 ? d.data_size : outsz - 1;
	memcpy(out, d.utf8_string, n);
	out[n] = '\0';
}

static void get_u32(MMDB_entry_s *e, uint32_t *out, const char *const *path)
{
	MMDB_entry_data_s d;
	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data)
		return;
	if (d.type == MMDB_DATA_TYPE_UINT32)
		*out = d.uint32;
	else if (d.type == MMDB_DATA_TYPE_UINT16)
		*out = d.uint16;
}

static void fill(MMDB_entry_s *e, struct geo_info *out)
{
	static const char *const country[] = { "country", "iso_code", NULL };
	static const char *const registered[] = { "registered_country", "iso_code", NULL };
	static const char *const city[] = { "city", "names", "en", NULL };
	static const char *const asn[] = { "autonomous_system_number", NULL };
	static const char *const org[] = { "autonomous_system_organization", NULL };
	if (!out->country[0])
		get_str(e, out->country, sizeof out->country, country);
	if (!out->country[0])
		get_str(e, out->country, sizeof out->country, registered);
	if (!out->city[0])
		get_str(e, out->city, sizeof out->city, city);
	if (!out->asn)
		get_u32(e, &out->asn, asn);
	if (!out->org[0])
		get_str(e, out->org, sizeof out->org, org);
}

bool geo_lookup(const struct geo_db *g, const struct ip_addr *a, struct geo_info *out)
{
	memset(out, 0, sizeof *out);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (addr_is_v4(a)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->b + 12, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->b, 16);
	}
	for (size_t i = 0; i < g->n; i++) {
		int rc;
		/* the cast drops const only for the library's signature */
		MMDB_lookup_result_s r = MMDB_lookup_sockaddr((MMDB_s *)&g->db[i], (struct sockaddr *)&ss, &rc);
		if (rc != MMDB_SUCCESS || !r.found_entry)
			continue;
		out->found = true;
		fill(&r.entry, out);
	}
	return out->found;
}

void geo_close(struct geo_db *g)
{
	if (!g)
		return;
	close_all(g);
	free(g);
}
