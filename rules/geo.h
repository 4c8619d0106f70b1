/* geo.h — country, city and AS of a remote host from MaxMind GeoLite2 /
 * GeoIP2 databases (City or Country, and ASN), through libmaxminddb with
 * the files memory-mapped. */
#ifndef SMTPSCOPE_GEO_H
#define SMTPSCOPE_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/addr.h"

struct geo_info {
	bool found;          /* any database knew the address */
	char country[3];     /* ISO 3166 alpha-2, "" if unknown */
	char city[64];       /* English name, "" if unknown */
	uint32_t asn;        /* 0 if unknown */
	char org[96];        /* AS organisation, "" if unknown */
};

struct geo_db;

/* Opens a comma-separated list of .mmdb files.  On failure returns NULL and
 * writes one line naming the file and what is wrong. */
struct geo_db *geo_open(const char *files, char *err, size_t errlen);
/* Fills *out (zeroed first); false if no database knows the address. */
bool geo_lookup(const struct geo_db *g, const struct ip_addr *a, struct geo_info *out);
void geo_close(struct geo_db *g);

#endif
