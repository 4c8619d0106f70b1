/* anomaly.c — anomaly names for reports. */
#include "config.h"

#include "decode/anomaly.h"

static const char *const names[ANOM__COUNT] = {
#define X(e, n) [e] = n,
	ANOMALY_LIST(X)
#undef X
};

const char *anomaly_name(enum anomaly a)
{
	return (unsigned)a < ANOM__COUNT ? names[a] : "unknown";
}
