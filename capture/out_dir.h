/* out_dir.h — output folders (-w DIR, --bundle DIR) and the host part of
 * the names written into them. */
#ifndef SMTPSCOPE_OUT_DIR_H
#define SMTPSCOPE_OUT_DIR_H

#include <stdbool.h>
#include <stddef.h>

/* DIR exists as a writable directory, or is created (one level, mode 0750:
 * what goes in holds message content).  False with "OPT DIR: reason". */
bool out_dir_ready(const char *opt, const char *dir, char *err, size_t errlen);

/* A remote host's address as a file name: IPv6 ':' becomes '_' so that
 * the name survives zip files and Windows desktops ("unknown" if empty). */
void out_dir_host_name(char *out, size_t outsz, const char *host);

#endif
