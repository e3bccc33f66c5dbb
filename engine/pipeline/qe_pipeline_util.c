/* qe_pipeline_util.c - file helpers of the pipeline.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qe_pipeline_private.h"

char *qe_pl_join(const char *a, const char *b)
{
  if (!a || !*a)
    return qe_strdup(b);
  size_t la = strlen(a);
  return qe_strdup_printf("%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
}

int64_t qe_pl_file_size(const char *path)
{
  struct stat st;
  if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return -1;
  return (int64_t)st.st_size;
}

static void remove_tree_depth(const char *path, int depth)
{
  struct stat st;
  if (lstat(path, &st) != 0)
    return;
  if (!S_ISDIR(st.st_mode) || depth > 32) {
    unlink(path);
    return;
  }
  DIR *d = opendir(path);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      char *sub = qe_pl_join(path, e->d_name);
      if (sub)
        remove_tree_depth(sub, depth + 1);
      free(sub);
    }
    closedir(d);
  }
  rmdir(path);
}

void qe_pl_remove_tree(const char *path)
{
  if (path && *path)
    remove_tree_depth(path, 0);
}
