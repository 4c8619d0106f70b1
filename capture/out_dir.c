/* out_dir.c — checking or creating output folders; host names as file names. */
#include "config.h"

#include "capture/out_dir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool out_dir_ready(const char *opt, const char *dir, char *err, size_t errlen)
{
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		if (errno != ENOENT || mkdir(dir, 0750) != 0) {
			snprintf(err, errlen, "%s %s: %s", opt, dir, strerror(errno));
			return false;
		}
		return true;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s %s: not a directory", opt, dir);
		return false;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "%s %s: %s", opt, dir, strerror(errno));
		return false;
	}
	return true;
}

void out_dir_host_name(char *out, size_t outsz, const char *host)
{
	snprintf(out, outsz, "%s", host && host[0] ? host : "unknown");
	for (char *p = out; *p; p++)
		if (*p == ':' || *p == '/')
			*p = '_';
}
