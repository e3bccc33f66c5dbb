/* qe_dataset.c - listing data sets, labels, classes and splits.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_npy.h"
#include "qe_data_internal.h"
#include "qe_internal.h"

/* ---- small helpers ------------------------------------------------------------ */

void qe_rng_seed(qe_rng *r, uint64_t seed)
{
  for (int i = 0; i < 4; i++) {
    uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    r->s[i] = z ^ (z >> 31);
  }
}

static uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t qe_rng_next(qe_rng *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

void qe_hash128(const void *data, size_t len, uint64_t out[2])
{
  const uint8_t *p = data;
  uint64_t a = 0xcbf29ce484222325ull, b = 0x84222325cbf29ce4ull ^ len;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    a = (a ^ v) * 0x100000001b3ull;
    b = rotl(b ^ (v * 0x9E3779B97F4A7C15ull), 31) * 0xff51afd7ed558ccdull;
  }
  for (; i < len; i++) {
    a = (a ^ p[i]) * 0x100000001b3ull;
    b = rotl(b ^ ((uint64_t)p[i] * 0x9E3779B97F4A7C15ull), 31) * 0xff51afd7ed558ccdull;
  }
  a ^= a >> 33;
  a *= 0xc4ceb9fe1a85ec53ull;
  a ^= a >> 33;
  b ^= b >> 29;
  b *= 0xbf58476d1ce4e5b9ull;
  b ^= b >> 32;
  out[0] = a;
  out[1] = b;
}

static size_t utf8_len(const unsigned char *s)
{
  unsigned c = s[0];
  size_t n;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  if ((c & 0xE0) == 0xC0)
    n = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0)
    n = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0)
    n = 4, cp = c & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

char *qe_display_name(const char *raw)
{
  if (!raw)
    return NULL;
  size_t len = strlen(raw);
  char *out = malloc(len * 4 + 1);
  if (!out)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    size_t n = utf8_len((const unsigned char *)raw + i);
    if (n == 0 || (unsigned char)raw[i] < 0x20) {
      o += (size_t)sprintf(out + o, "\\x%02X", (unsigned char)raw[i]);
      i++;
    } else {
      memcpy(out + o, raw + i, n);
      o += n;
      i += n;
    }
  }
  out[o] = '\0';
  return out;
}

int qe_data_default_threads(void)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1)
    n = 1;
  if (n > 8)
    n = 8;
  return (int)n;
}

static char *path_join(const char *a, const char *b)
{
  size_t la = strlen(a);
  bool slash = la > 0 && a[la - 1] == '/';
  return qe_strdup_printf("%s%s%s", a, slash ? "" : "/", b);
}

static bool is_dir(const char *p)
{
  struct stat st;
  return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
  struct stat st;
  return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool has_ext(const char *name, const char *ext)
{
  size_t n = strlen(name), e = strlen(ext);
  return n > e && strcasecmp(name + n - e, ext) == 0;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of @dir (no "." / ".."; hidden files dropped). */
static qe_status list_dir(const char *dir, char ***names, size_t *n, qe_ctx *ctx)
{
  *names = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) {
    char *disp = qe_display_name(dir);
    qe_status st =
        qe_error(ctx, QE_ERR_IO, "%s: cannot open folder: %s", disp ? disp : dir, strerror(errno));
    free(disp);
    return st;
  }
  char **v = NULL;
  size_t cap = 0, cnt = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    if (!qe_grow((void **)&v, &cap, cnt + 1, sizeof *v) || !(v[cnt] = qe_strdup(e->d_name))) {
      closedir(d);
      for (size_t i = 0; i < cnt; i++)
        free(v[i]);
      free(v);
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory listing a folder");
    }
    cnt++;
  }
  closedir(d);
  if (cnt)
    qsort(v, cnt, sizeof *v, cmp_str);
  *names = v;
  *n = cnt;
  return QE_OK;
}

static void free_strv(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

void qe_ds_skip(qe_dataset *ds, const char *path, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  pthread_mutex_lock(&ds->lock);
  if (ds->n_skip < 1000000 &&
      qe_grow((void **)&ds->skip_path, &ds->cap_skip, ds->n_skip + 1, sizeof(char *))) {
    /* skip_reason grows in step with skip_path (same capacity) */
    char **r = realloc(ds->skip_reason, ds->cap_skip * sizeof(char *));
    if (r) {
      ds->skip_reason = r;
      char *p = qe_display_name(path ? path : "");
      /* messages from the decoders start with the file name: drop it */
      const char *reason = buf;
      size_t pl = p ? strlen(p) : 0;
      if (p && pl && strncmp(reason, p, pl) == 0 && strncmp(reason + pl, ": ", 2) == 0)
        reason += pl + 2;
      char *m = qe_strdup(reason);
      if (p && m) {
        ds->skip_path[ds->n_skip] = p;
        ds->skip_reason[ds->n_skip] = m;
        ds->n_skip++;
      } else {
        free(p);
        free(m);
      }
    }
  }
  pthread_mutex_unlock(&ds->lock);
}

/* display is the same string as path when the name is valid UTF-8 */
static void free_sample_names(char *path, char *display)
{
  if (display != path)
    free(display);
  free(path);
}

static qe_ds_sample *add_sample(qe_dataset *ds, const char *path, int origin, qe_ctx *ctx)
{
  if (!qe_grow((void **)&ds->samples, &ds->cap_samples, ds->n_samples + 1, sizeof(qe_ds_sample))) {
    qe_error(ctx, QE_ERR_NOMEM, "out of memory listing samples");
    return NULL;
  }
  qe_ds_sample *s = &ds->samples[ds->n_samples];
  memset(s, 0, sizeof *s);
  s->origin = (uint8_t)origin;
  s->label = -1;
  s->label_int = -1;
  if (path) {
    s->path = qe_strdup(path);
    s->display = qe_display_name(path);
    if (s->path && s->display && strcmp(s->path, s->display) == 0) {
      free(s->display);
      s->display = s->path;
    }
    if (!s->path || !s->display) {
      free_sample_names(s->path, s->display);
      qe_error(ctx, QE_ERR_NOMEM, "out of memory listing samples");
      return NULL;
    }
  }
  ds->n_samples++;
  return s;
}

/* ---- CSV ------------------------------------------------------------------------ */

typedef struct {
  char **cells;
  size_t n;
  size_t line; /* 1-based */
} csv_row;

typedef struct {
  csv_row *rows;
  size_t n;
  char *buf;
} csv_file;

static void csv_free(csv_file *c)
{
  for (size_t i = 0; i < c->n; i++)
    free(c->rows[i].cells);
  free(c->rows);
  free(c->buf);
  memset(c, 0, sizeof *c);
}

static char *trim(char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  return s;
}

/* Parse a whole CSV into rows of cells (in place; "quoted, ""fields""" too).
 * Blank lines are dropped. */
static qe_status csv_read(const char *path, csv_file *c, qe_ctx *ctx)
{
  memset(c, 0, sizeof *c);
  uint8_t *data;
  size_t len;
  qe_status st = qe_read_file(path, &data, &len, ctx);
  if (st)
    return st;
  c->buf = (char *)data;
  char *p = c->buf;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  char *end = c->buf + len;
  size_t line = 1, cap = 0;
  while (p < end) {
    char *ls = p;
    size_t this_line = line;
    /* find the end of the record, honouring quotes */
    bool q = false;
    char *e = p;
    while (e < end) {
      if (*e == '"')
        q = !q;
      else if (!q && (*e == '\n' || *e == '\r'))
        break;
      else if (*e == '\n')
        line++;
      e++;
    }
    char *next = e;
    if (next < end && *next == '\r')
      next++;
    if (next < end && *next == '\n')
      next++;
    *e = '\0';
    line++;
    p = next;
    if (*trim(ls) == '\0' && !strchr(ls, ','))
      continue;
    /* split cells */
    size_t ncell = 1;
    q = false;
    for (char *t = ls; *t; t++) {
      if (*t == '"')
        q = !q;
      else if (*t == ',' && !q)
        ncell++;
    }
    if (!qe_grow((void **)&c->rows, &cap, c->n + 1, sizeof(csv_row))) {
      csv_free(c);
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory reading a CSV");
    }
    csv_row *r = &c->rows[c->n];
    r->cells = malloc(sizeof(char *) * ncell);
    if (!r->cells) {
      csv_free(c);
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory reading a CSV");
    }
    r->n = 0;
    r->line = this_line;
    c->n++;
    char *cell = ls;
    q = false;
    char *w = ls;
    for (char *t = ls;; t++) {
      if (*t == '"') {
        if (q && t[1] == '"') {
          *w++ = '"';
          t++;
          continue;
        }
        q = !q;
        continue;
      }
      if ((*t == ',' && !q) || *t == '\0') {
        bool last = *t == '\0';
        *w = '\0';
        r->cells[r->n++] = trim(cell);
        if (last)
          break;
        cell = w = t + 1;
        continue;
      }
      *w++ = *t;
    }
  }
  return QE_OK;
}

static bool parse_float(const char *s, float *out)
{
  if (!*s)
    return false;
  char *e;
  errno = 0;
  double v = strtod(s, &e);
  if (*e != '\0' || errno == ERANGE || !isfinite(v))
    return false;
  /* refuse hex floats, "inf", "nan" written as words */
  for (const char *q = s; *q; q++)
    if (isalpha((unsigned char)*q) && *q != 'e' && *q != 'E')
      return false;
  *out = (float)v;
  return true;
}

static bool parse_int(const char *s, long long *out)
{
  if (!*s)
    return false;
  char *e;
  errno = 0;
  long long v = strtoll(s, &e, 10);
  if (*e == '.') {
    /* "1.0" is an integer label too */
    char *e2;
    double d = strtod(s, &e2);
    if (*e2 != '\0' || d != floor(d) || fabs(d) > 1e15)
      return false;
    *out = (long long)d;
    return true;
  }
  if (*e != '\0' || errno == ERANGE)
    return false;
  *out = v;
  return true;
}

/* ---- images and audio in class folders ------------------------------------------------ */

static bool is_audio_bytes(const uint8_t *d, size_t n)
{
  return (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WAVE", 4) == 0) ||
         (n >= 4 && (memcmp(d, "fLaC", 4) == 0 || memcmp(d, "OggS", 4) == 0 ||
                     memcmp(d, "FORM", 4) == 0 || memcmp(d, "RF64", 4) == 0));
}

static size_t read_head(const char *path, uint8_t *buf, size_t n)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return 0;
  size_t r = fread(buf, 1, n, f);
  fclose(f);
  return r;
}

/* root/<class>/<file>: one sample per file of the right kind. */
static qe_status list_class_folders(qe_dataset *ds, const char *root, int origin, qe_ctx *ctx)
{
  char **classes;
  size_t nc;
  qe_status st = list_dir(root, &classes, &nc, ctx);
  if (st)
    return st;
  size_t found_dirs = 0;
  for (size_t i = 0; i < nc && !st; i++) {
    char *cdir = path_join(root, classes[i]);
    if (!cdir) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      break;
    }
    if (!is_dir(cdir)) {
      qe_ds_skip(ds, cdir, "not inside a class folder (files go in <root>/<class>/)");
      free(cdir);
      continue;
    }
    found_dirs++;
    {
      char *fc = qe_display_name(classes[i]);
      if (!fc || !qe_grow((void **)&ds->folder_classes, &ds->cap_folder_classes,
                          ds->n_folder_classes + 1, sizeof(char *))) {
        free(fc);
        free(cdir);
        st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
        break;
      }
      ds->folder_classes[ds->n_folder_classes++] = fc;
    }
    char **files;
    size_t nf;
    if ((st = list_dir(cdir, &files, &nf, ctx))) {
      free(cdir);
      break;
    }
    char *cname = qe_display_name(classes[i]);
    for (size_t k = 0; k < nf && !st; k++) {
      char *fp = path_join(cdir, files[k]);
      if (!fp || !cname) {
        free(fp);
        st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
        break;
      }
      if (is_dir(fp)) {
        qe_ds_skip(ds, fp, "a folder inside a class folder is ignored");
        free(fp);
        continue;
      }
      uint8_t head[32];
      size_t hn = read_head(fp, head, sizeof head);
      const char *why = NULL;
      if (hn == 0)
        why = "empty or unreadable file";
      else if (ds->kind == QE_DATA_IMAGES)
        why = qe_data_image_refusal(head, hn);
      else if (ds->kind == QE_DATA_AUDIO && !is_audio_bytes(head, hn))
        why = "not a sound file (no WAV, FLAC, Ogg or AIFF signature)";
      else if (ds->kind == QE_DATA_SERIES && !has_ext(files[k], ".csv"))
        why = "not a .csv file";
      if (why) {
        qe_ds_skip(ds, fp, "%s", why);
        free(fp);
        continue;
      }
      qe_ds_sample *s = add_sample(ds, fp, origin, ctx);
      free(fp);
      if (!s || !(s->label_name = qe_strdup(cname))) {
        st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
        break;
      }
    }
    free(cname);
    free_strv(files, nf);
    free(cdir);
  }
  free_strv(classes, nc);
  if (!st && found_dirs == 0) {
    char *disp = qe_display_name(root);
    st = qe_error(ctx, QE_ERR_DATA, "%s: no class folders (expected <root>/<class>/<files>)",
                  disp ? disp : root);
    free(disp);
  }
  return st;
}

/* ---- ESC-50 style CSV + audio folder --------------------------------------------------- */

static int find_col(const csv_row *h, const char *const *names)
{
  for (const char *const *n = names; *n; n++)
    for (size_t i = 0; i < h->n; i++)
      if (strcasecmp(h->cells[i], *n) == 0)
        return (int)i;
  return -1;
}

static const char *const filename_cols[] = { "filename", "file", "path", "file_name", NULL };
static const char *const category_cols[] = { "category", "label", "class", NULL };

static bool csv_is_esc50(const char *path)
{
  csv_file c;
  if (csv_read(path, &c, NULL))
    return false;
  bool ok = c.n > 0 && find_col(&c.rows[0], filename_cols) >= 0 &&
            find_col(&c.rows[0], category_cols) >= 0;
  csv_free(&c);
  return ok;
}

/* The audio folder of an ESC-50 CSV: <csv dir>/../audio, <csv dir>/audio, <csv dir>. */
static char *esc50_audio_dir(const char *csv)
{
  char *dir = qe_strdup(csv);
  if (!dir)
    return NULL;
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
  else
    strcpy(dir, ".");
  char *cand = qe_strdup_printf("%s/../audio", dir);
  if (cand && is_dir(cand)) {
    free(dir);
    return cand;
  }
  free(cand);
  cand = qe_strdup_printf("%s/audio", dir);
  if (cand && is_dir(cand)) {
    free(dir);
    return cand;
  }
  free(cand);
  return dir;
}

static qe_status list_esc50(qe_dataset *ds, const char *csv, const char *audio_dir, int origin,
                            qe_ctx *ctx)
{
  csv_file c;
  qe_status st = csv_read(csv, &c, ctx);
  if (st)
    return st;
  char *dcsv = qe_display_name(csv);
  if (c.n == 0) {
    st = qe_error(ctx, QE_ERR_DATA, "%s: the CSV file is empty", dcsv);
    goto done;
  }
  int fcol = find_col(&c.rows[0], filename_cols);
  int ccol = find_col(&c.rows[0], category_cols);
  if (fcol < 0 || ccol < 0) {
    st = qe_error(ctx, QE_ERR_PARSE,
                  "%s: line 1: the header needs a 'filename' and a 'category' column (ESC-50 "
                  "layout)",
                  dcsv);
    goto done;
  }
  size_t ncol = c.rows[0].n;
  const char *ext = ds->opt.file_extension ? ds->opt.file_extension : "";
  for (size_t i = 1; i < c.n && !st; i++) {
    csv_row *r = &c.rows[i];
    char where[64];
    snprintf(where, sizeof where, "line %zu", r->line);
    if (r->n != ncol) {
      qe_ds_skip(ds, csv, "%s: %zu columns, expected %zu as in the header", where, r->n, ncol);
      continue;
    }
    const char *fname = r->cells[fcol];
    const char *cat = r->cells[ccol];
    if (!fname[0] || !cat[0]) {
      qe_ds_skip(ds, csv, "%s: empty file name or category", where);
      continue;
    }
    char *fp = (*ext && !strstr(fname, ext)) ? qe_strdup_printf("%s/%s%s", audio_dir, fname, ext)
                                             : qe_strdup_printf("%s/%s", audio_dir, fname);
    if (!fp) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      break;
    }
    if (!is_file(fp)) {
      qe_ds_skip(ds, fp, "%s of %s: no such sound file", where, dcsv);
      free(fp);
      continue;
    }
    qe_ds_sample *s = add_sample(ds, fp, origin, ctx);
    free(fp);
    if (!s || !(s->label_name = qe_strdup(cat))) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      break;
    }
    s->row = r->line;
  }
done:
  free(dcsv);
  csv_free(&c);
  return st;
}

/* ---- series CSV ------------------------------------------------------------------------ */

static bool row_all_numeric(const csv_row *r)
{
  float f;
  for (size_t i = 0; i < r->n; i++)
    if (!parse_float(r->cells[i], &f))
      return false;
  return true;
}

static const char *const label_cols[] = { "label", "class", "target", "category", "y", NULL };

static qe_status set_label_text(qe_ds_sample *s, const char *cell, qe_ctx *ctx)
{
  long long v;
  if (parse_int(cell, &v)) {
    s->label_int = v;
    return QE_OK;
  }
  if (!(s->label_name = qe_strdup(cell)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  return QE_OK;
}

static qe_status list_series_csv(qe_dataset *ds, const char *path, int origin, qe_ctx *ctx)
{
  csv_file c;
  qe_status st = csv_read(path, &c, ctx);
  if (st)
    return st;
  char *disp = qe_display_name(path);
  if (c.n == 0) {
    st = qe_error(ctx, QE_ERR_DATA, "%s: the CSV file is empty", disp);
    goto done;
  }
  bool header = !row_all_numeric(&c.rows[0]);
  qe_series_layout layout = ds->opt.series_layout;
  if (layout == QE_SERIES_AUTO)
    layout = header ? QE_SERIES_ROW_PER_SAMPLE : QE_SERIES_ROW_PER_CHANNEL;
  size_t first = header ? 1 : 0;
  size_t ncol = c.rows[0].n;
  int lcol;
  if (header) {
    if (ds->opt.label_column) {
      lcol = -1;
      for (size_t i = 0; i < ncol; i++)
        if (strcmp(c.rows[0].cells[i], ds->opt.label_column) == 0)
          lcol = (int)i;
      if (lcol < 0) {
        st = qe_error(ctx, QE_ERR_DATA, "%s: line 1: no column named '%s'", disp,
                      ds->opt.label_column);
        goto done;
      }
    } else {
      lcol = find_col(&c.rows[0], label_cols);
      if (lcol < 0)
        lcol = 0;
    }
  } else {
    lcol = (int)ncol - 1;
  }
  if (ncol < 2) {
    st = qe_error(ctx, QE_ERR_DATA, "%s: line %zu: a label and at least one value are needed", disp,
                  c.rows[0].line);
    goto done;
  }
  size_t nvals = ncol - 1;
  size_t C = layout == QE_SERIES_ROW_PER_CHANNEL ? (ds->ser_channels ? ds->ser_channels : 1) : 1;
  if (layout == QE_SERIES_ROW_PER_SAMPLE && ds->ser_channels > 1 && nvals % ds->ser_channels) {
    st = qe_error(ctx, QE_ERR_SHAPE,
                  "%s: %zu values per row cannot hold %zu channels of equal length", disp, nvals,
                  ds->ser_channels);
    goto done;
  }
  float *vals = NULL;
  int32_t *labs = NULL;
  size_t group_bad = 0;
  char reason[256] = "";
  size_t group_start = 0, in_group = 0;
  for (size_t i = first; i < c.n && !st; i++) {
    csv_row *r = &c.rows[i];
    if (in_group == 0) {
      vals = malloc(sizeof(float) * nvals * C);
      labs = malloc(sizeof(int32_t) * C);
      if (!vals || !labs) {
        free(vals);
        free(labs);
        st = qe_error(ctx, QE_ERR_NOMEM, "out of memory reading %s", disp);
        break;
      }
      group_bad = 0;
      group_start = r->line;
    }
    char *label_text = NULL;
    if (!group_bad) {
      if (r->n != ncol) {
        group_bad = 1;
        snprintf(reason, sizeof reason, "line %zu: %zu columns, expected %zu", r->line, r->n, ncol);
      } else {
        size_t v = 0;
        for (size_t k = 0; k < r->n; k++) {
          if ((int)k == lcol) {
            label_text = r->cells[k];
            continue;
          }
          if (!parse_float(r->cells[k], &vals[in_group * nvals + v])) {
            group_bad = 1;
            snprintf(reason, sizeof reason, "line %zu, column %zu: '%.40s' is not a number",
                     r->line, k + 1, r->cells[k]);
            break;
          }
          v++;
        }
        if (!group_bad) {
          long long li;
          if (layout == QE_SERIES_ROW_PER_CHANNEL) {
            if (!parse_int(label_text, &li)) {
              group_bad = 1;
              snprintf(reason, sizeof reason, "line %zu: label '%.40s' is not an integer", r->line,
                       label_text);
            } else {
              labs[in_group] = (int32_t)QE_MAX(-1, QE_MIN(li, INT32_MAX));
            }
          } else if (!label_text[0]) {
            group_bad = 1;
            snprintf(reason, sizeof reason, "line %zu: empty label", r->line);
          }
        }
      }
    }
    in_group++;
    if (in_group < C)
      continue;
    in_group = 0;
    if (group_bad) {
      if (C > 1)
        qe_ds_skip(ds, path, "lines %zu-%zu (one sample of %zu channels): %s", group_start, r->line,
                   C, reason);
      else
        qe_ds_skip(ds, path, "%s", reason);
      free(vals);
      free(labs);
      vals = NULL;
      labs = NULL;
      continue;
    }
    qe_ds_sample *s = add_sample(ds, path, origin, ctx);
    if (!s) {
      free(vals);
      free(labs);
      st = QE_ERR_NOMEM;
      break;
    }
    s->row = group_start;
    s->values = vals;
    s->n_values = nvals * C;
    vals = NULL;
    if (layout == QE_SERIES_ROW_PER_CHANNEL) {
      s->label_int = labs[0];
      if (C > 1) {
        s->chan_labels = labs;
        s->n_chan_labels = C;
        labs = NULL;
      }
    } else if ((st = set_label_text(s, label_text, ctx))) {
      free(labs);
      break;
    }
    free(labs);
    labs = NULL;
    qe_hash128(s->values, s->n_values * sizeof(float), s->hash);
    s->hashed = true;
  }
  if (in_group) {
    qe_ds_skip(ds, path, "lines %zu-end: %zu rows left over, a sample needs %zu channel rows",
               group_start, in_group, C);
    free(vals);
    free(labs);
  }
  if (!st) {
    size_t per = nvals * C / (layout == QE_SERIES_ROW_PER_SAMPLE ? QE_MAX(ds->ser_channels, 1) : C);
    if (ds->ser_raw == 0)
      ds->ser_raw = per;
    else if (ds->ser_raw != per)
      st = qe_error(ctx, QE_ERR_SHAPE, "%s: %zu values per channel, other files have %zu", disp,
                    per, ds->ser_raw);
  }
done:
  free(disp);
  csv_free(&c);
  return st;
}

/* One sample per CSV file in class folders: a numeric matrix (header
 * optional). K columns == channels: rows are time steps; R rows ==
 * channels: columns are time; one channel: all values in order. */
static qe_status load_series_file(qe_dataset *ds, qe_ds_sample *s, qe_ctx *ctx)
{
  csv_file c;
  qe_status st = csv_read(s->path, &c, ctx);
  if (st)
    return st;
  size_t first = (c.n > 0 && !row_all_numeric(&c.rows[0])) ? 1 : 0;
  size_t R = c.n - first;
  size_t K = R ? c.rows[first].n : 0;
  size_t C = ds->ser_channels ? ds->ser_channels : 1;
  if (R == 0 || K == 0) {
    st = qe_error(ctx, QE_ERR_DATA, "%s: no values", s->display);
    goto done;
  }
  size_t total;
  if (!qe_mul_size(R, K, &total) || !(s->values = malloc(sizeof(float) * total))) {
    st = qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", s->display);
    goto done;
  }
  for (size_t i = 0; i < R; i++) {
    csv_row *r = &c.rows[first + i];
    if (r->n != K) {
      st = qe_error(ctx, QE_ERR_PARSE, "line %zu: %zu columns, expected %zu", r->line, r->n, K);
      goto done;
    }
    for (size_t k = 0; k < K; k++)
      if (!parse_float(r->cells[k], &s->values[i * K + k])) {
        st = qe_error(ctx, QE_ERR_PARSE, "line %zu, column %zu: '%.40s' is not a number", r->line,
                      k + 1, r->cells[k]);
        goto done;
      }
  }
  if (C > 1 && K == C && R != C) {
    /* time-major: transpose to channel-major */
    float *t = malloc(sizeof(float) * total);
    if (!t) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      goto done;
    }
    for (size_t i = 0; i < R; i++)
      for (size_t k = 0; k < K; k++)
        t[k * R + i] = s->values[i * K + k];
    free(s->values);
    s->values = t;
  } else if (C > 1 && R != C) {
    st = qe_error(ctx, QE_ERR_SHAPE, "%zu x %zu values do not hold %zu channels", R, K, C);
    goto done;
  }
  s->n_values = total;
  qe_hash128(s->values, total * sizeof(float), s->hash);
  s->hashed = true;
done:
  if (st) {
    free(s->values);
    s->values = NULL;
  }
  csv_free(&c);
  return st;
}

/* ---- tensors ----------------------------------------------------------------------------- */

static qe_status list_tensors(qe_dataset *ds, const char *path, int origin, qe_ctx *ctx)
{
  qe_array *x = NULL, *y = NULL, *xf = NULL;
  char **names = NULL;
  size_t nnames = 0;
  qe_status st;
  char *disp = qe_display_name(path);
  if (has_ext(path, ".npy")) {
    st = qe_npy_read(path, &x, ctx);
  } else {
    qe_npz *z;
    if ((st = qe_npz_open(path, &z, ctx)))
      goto done;
    bool has_y = false, has_cls = false, has_x = false;
    for (size_t i = 0; i < qe_npz_count(z); i++) {
      const char *n = qe_npz_name(z, i);
      has_x |= strcmp(n, "x") == 0;
      has_y |= strcmp(n, "y") == 0;
      has_cls |= strcmp(n, "classes") == 0;
    }
    if (!has_x)
      st = qe_error(ctx, QE_ERR_DATA, "%s: no array named 'x' (the samples)", disp);
    if (!st)
      st = qe_npz_read(z, "x", &x, ctx);
    if (!st && has_y)
      st = qe_npz_read(z, "y", &y, ctx);
    if (!st && has_cls)
      st = qe_npz_read_strings(z, "classes", &names, &nnames, ctx);
    qe_npz_close(z);
  }
  if (st)
    goto done;
  if (x->rank < 1 || x->dims[0] < 1) {
    st = qe_error(ctx, QE_ERR_DATA, "%s: x holds no samples", disp);
    goto done;
  }
  if ((st = qe_array_to_f32(x, &xf, ctx)))
    goto done;
  size_t n = (size_t)x->dims[0];
  size_t per = (size_t)(qe_array_count(x) / x->dims[0]);
  if (y && (qe_array_count(y) != (int64_t)n || !qe_dtype_is_int(y->dtype))) {
    st = qe_error(ctx, QE_ERR_SHAPE, "%s: y must hold one integer label per sample of x (%zu)",
                  disp, n);
    goto done;
  }
  if (ds->x_rank == 0) {
    ds->x_rank = x->rank - 1;
    memcpy(ds->x_dims, x->dims + 1, sizeof(int64_t) * (size_t)(x->rank - 1));
  } else if (ds->x_rank != x->rank - 1 ||
             memcmp(ds->x_dims, x->dims + 1, sizeof(int64_t) * (size_t)ds->x_rank) != 0) {
    st = qe_error(ctx, QE_ERR_SHAPE, "%s: samples of x are shaped unlike the other sets", disp);
    goto done;
  }
  qe_array *yl = NULL;
  if (y && (st = qe_array_to_f32(y, &yl, ctx)))
    goto done;
  for (size_t i = 0; i < n && !st; i++) {
    const float *src = (const float *)xf->data + i * per;
    bool finite = true;
    for (size_t k = 0; k < per; k++)
      if (!isfinite(src[k]))
        finite = false;
    if (!finite) {
      qe_ds_skip(ds, path, "x[%zu] holds NaN or infinite values", i);
      continue;
    }
    qe_ds_sample *s = add_sample(ds, path, origin, ctx);
    if (!s || !(s->values = malloc(sizeof(float) * (per ? per : 1)))) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      break;
    }
    memcpy(s->values, src, sizeof(float) * per);
    s->n_values = per;
    s->row = i;
    if (yl)
      s->label_int = (long long)((float *)yl->data)[i];
    qe_hash128(s->values, per * sizeof(float), s->hash);
    s->hashed = true;
  }
  qe_array_free(yl);
  if (!st && names && !ds->s_class_names && ds->n_classes == 0) {
    ds->classes = names;
    ds->n_classes = nnames;
    names = NULL;
  }
done:
  if (names)
    qe_strv_free(names, nnames);
  qe_array_free(x);
  qe_array_free(xf);
  qe_array_free(y);
  free(disp);
  return st;
}

/* ---- detection ---------------------------------------------------------------------------- */

static qe_data_kind detect_in_dir(const char *dir)
{
  char **names;
  size_t n;
  qe_data_kind k = QE_DATA_AUTO;
  if (list_dir(dir, &names, &n, NULL))
    return k;
  for (size_t i = 0; i < n && k == QE_DATA_AUTO; i++) {
    char *p = path_join(dir, names[i]);
    if (!p)
      break;
    if (is_dir(p)) {
      char **files;
      size_t nf;
      if (!list_dir(p, &files, &nf, NULL)) {
        for (size_t j = 0; j < nf && k == QE_DATA_AUTO; j++) {
          char *fp = path_join(p, files[j]);
          uint8_t head[32];
          size_t hn = fp ? read_head(fp, head, sizeof head) : 0;
          if (hn && qe_data_is_image_bytes(head, hn))
            k = QE_DATA_IMAGES;
          else if (hn && is_audio_bytes(head, hn))
            k = QE_DATA_AUDIO;
          else if (fp && has_ext(fp, ".csv"))
            k = QE_DATA_SERIES;
          free(fp);
        }
        free_strv(files, nf);
      }
    }
    free(p);
  }
  free_strv(names, n);
  return k;
}

/* Find meta/<x>.csv + audio/ under @dir (the ESC-50 download's layout). */
static char *find_esc50_csv(const char *dir)
{
  char *meta = path_join(dir, "meta");
  char *audio = path_join(dir, "audio");
  char *found = NULL;
  if (meta && audio && is_dir(meta) && is_dir(audio)) {
    char **names;
    size_t n;
    if (!list_dir(meta, &names, &n, NULL)) {
      for (size_t i = 0; i < n && !found; i++)
        if (has_ext(names[i], ".csv")) {
          char *p = path_join(meta, names[i]);
          if (p && csv_is_esc50(p))
            found = p;
          else
            free(p);
        }
      free_strv(names, n);
    }
  }
  free(meta);
  free(audio);
  return found;
}

/* List one path (+ optional CSV) of @origin. */
static qe_status list_path(qe_dataset *ds, const char *path, const char *csv, int origin,
                           qe_ctx *ctx)
{
  char *disp = qe_display_name(path ? path : csv);
  qe_status st = QE_OK;
  if (path && !is_dir(path) && !is_file(path)) {
    st = qe_error(ctx, QE_ERR_IO, "%s: no such file or folder", disp);
    goto done;
  }
  if (csv && !is_file(csv)) {
    char *dc = qe_display_name(csv);
    st = qe_error(ctx, QE_ERR_IO, "%s: no such file", dc);
    free(dc);
    goto done;
  }
  qe_data_kind k = ds->kind;
  char *esc = NULL;
  if (csv && (k == QE_DATA_AUTO || k == QE_DATA_AUDIO) && csv_is_esc50(csv))
    esc = qe_strdup(csv);
  else if (path && is_dir(path) && (k == QE_DATA_AUTO || k == QE_DATA_AUDIO))
    esc = find_esc50_csv(path);
  else if (path && is_file(path) && has_ext(path, ".csv") &&
           (k == QE_DATA_AUTO || k == QE_DATA_AUDIO) && csv_is_esc50(path))
    esc = qe_strdup(path);
  if (k == QE_DATA_AUTO) {
    if (esc)
      k = QE_DATA_AUDIO;
    else if (path && is_file(path) && (has_ext(path, ".npz") || has_ext(path, ".npy")))
      k = QE_DATA_TENSORS;
    else if (path && is_file(path) && has_ext(path, ".csv"))
      k = QE_DATA_SERIES;
    else if (path && is_dir(path))
      k = detect_in_dir(path);
    if (k == QE_DATA_AUTO) {
      free(esc);
      st = qe_error(ctx, QE_ERR_DATA,
                    "%s: not a data set Quantizer knows (class folders of images, WAV files, "
                    "CSV files; an ESC-50 CSV; a .csv series file; an .npz/.npy)",
                    disp);
      goto done;
    }
    ds->kind = k;
  }
  switch (k) {
  case QE_DATA_IMAGES:
    st = list_class_folders(ds, path, origin, ctx);
    break;
  case QE_DATA_AUDIO:
    if (esc) {
      char *adir;
      if (path && is_dir(path) && csv)
        adir = qe_strdup(path);
      else if (path && is_dir(path) && !csv) {
        adir = path_join(path, "audio");
      } else
        adir = esc50_audio_dir(esc);
      st = adir ? list_esc50(ds, esc, adir, origin, ctx) : qe_error(ctx, QE_ERR_NOMEM, "oom");
      free(adir);
    } else {
      st = list_class_folders(ds, path, origin, ctx);
    }
    break;
  case QE_DATA_SERIES:
    if (path && is_file(path)) {
      st = list_series_csv(ds, path, origin, ctx);
    } else {
      size_t before = ds->n_samples;
      st = list_class_folders(ds, path, origin, ctx);
      /* load each file now; drop the ones that fail */
      size_t w = before;
      for (size_t i = before; i < ds->n_samples && !st; i++) {
        qe_ds_sample s = ds->samples[i];
        qe_ctx *tmp = qe_ctx_new();
        if (!tmp) {
          st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
          break;
        }
        if (load_series_file(ds, &s, tmp)) {
          qe_ds_skip(ds, s.path, "%s", qe_ctx_error(tmp));
          free_sample_names(s.path, s.display);
          free(s.label_name);
        } else {
          size_t per = s.n_values / QE_MAX(ds->ser_channels, 1);
          if (ds->ser_raw == 0)
            ds->ser_raw = per;
          if (per != ds->ser_raw) {
            qe_ds_skip(ds, s.path, "%zu values per channel, other files have %zu", per,
                       ds->ser_raw);
            free(s.values);
            free_sample_names(s.path, s.display);
            free(s.label_name);
          } else {
            ds->samples[w++] = s;
          }
        }
        qe_ctx_free(tmp);
      }
      if (!st)
        ds->n_samples = w;
    }
    break;
  case QE_DATA_TENSORS:
    st = list_tensors(ds, path ? path : csv, origin, ctx);
    break;
  default:
    st = qe_error(ctx, QE_ERR_INVALID, "unknown data kind");
    break;
  }
  free(esc);
done:
  free(disp);
  return st;
}

/* ---- shapes -------------------------------------------------------------------------------- */

static void drop_batch(const qe_data_options *o, int need_rank, int *rank, int64_t *dims)
{
  *rank = o->input_rank;
  memcpy(dims, o->input_shape, sizeof(int64_t) * QE_MAX_RANK);
  if (*rank == need_rank + 1 && (dims[0] <= 1)) {
    memmove(dims, dims + 1, sizeof(int64_t) * (size_t)(*rank - 1));
    (*rank)--;
  }
}

/* A series input's channels and length (0: not given) from the model input
 * shape. Rank 3 is read by which end is 1, whatever the layout: (C, L, 1)
 * is the model zoo's (channels, seq_len, 1), and (1, C, L) is both NCHW
 * (1, channels, seq_len) and a batched Conv1d input (N, channels, seq_len)
 * with the batch axis kept -- all mean C channels of L values, in the same
 * memory order. (1, L, 1) is one channel; only when neither end is 1 does
 * the layout decide. Rank 4 drops its batch axis first. */
static void series_dims(const qe_data_options *o, int *rank, int64_t *d, size_t *channels,
                        size_t *len)
{
  drop_batch(o, 3, rank, d);
  int r = *rank;
  *channels = 1;
  *len = 0;
  if (r == 3) {
    bool lead1 = d[0] <= 1, trail1 = d[2] == 1;
    if (trail1)
      *channels = (size_t)(lead1 ? 1 : d[0]), *len = (size_t)d[1];
    else if (lead1 || o->layout == QE_LAYOUT_NCHW)
      *channels = (size_t)d[1], *len = (size_t)d[2];
    else
      *channels = (size_t)d[0], *len = (size_t)d[1];
  } else if (r == 2) {
    *channels = (size_t)d[0], *len = (size_t)d[1];
  } else if (r == 1) {
    *len = (size_t)d[0];
  }
}

static qe_status setup_shapes_pre(qe_dataset *ds, qe_ctx *ctx)
{
  /* what listing needs to know: series channel count */
  if (ds->kind == QE_DATA_SERIES || ds->kind == QE_DATA_AUTO) {
    int r;
    int64_t d[QE_MAX_RANK];
    size_t len;
    series_dims(&ds->opt, &r, d, &ds->ser_channels, &len);
    if (ds->ser_channels == 0 || ds->ser_channels > 65536)
      return qe_error(ctx, QE_ERR_SHAPE, "model input shape gives %zu series channels",
                      ds->ser_channels);
  }
  return QE_OK;
}

static qe_status setup_shapes(qe_dataset *ds, qe_ctx *ctx)
{
  const qe_data_options *o = &ds->opt;
  int r;
  int64_t d[QE_MAX_RANK];
  char buf[128];
  switch (ds->kind) {
  case QE_DATA_IMAGES: {
    drop_batch(o, 3, &r, d);
    ds->img_mode = o->color_mode == QE_COLOR_AUTO ? QE_COLOR_RGB : o->color_mode;
    if (r == 0) {
      ds->img_h = 0;
      ds->item_rank = 0;
      return QE_OK;
    }
    if (r != 3)
      return qe_error(ctx, QE_ERR_SHAPE, "model input %s is not an image shape (H, W, C)",
                      qe_dims_to_string(o->input_shape, o->input_rank, buf, sizeof buf));
    int64_t h = o->layout == QE_LAYOUT_NCHW ? d[1] : d[0];
    int64_t w = o->layout == QE_LAYOUT_NCHW ? d[2] : d[1];
    int64_t c = o->layout == QE_LAYOUT_NCHW ? d[0] : d[2];
    if (h < 1 || w < 1 || h > 32768 || w > 32768 || (c != 1 && c != 3 && c != 4))
      return qe_error(ctx, QE_ERR_SHAPE,
                      "model input %s (%s) is not an image of 1, 3 or 4 channels",
                      qe_dims_to_string(o->input_shape, o->input_rank, buf, sizeof buf),
                      qe_data_enum_name(QE_ENUM_LAYOUT, o->layout));
    qe_color_mode want = c == 1 ? QE_COLOR_GRAYSCALE : c == 3 ? QE_COLOR_RGB : QE_COLOR_RGBA;
    if (o->color_mode != QE_COLOR_AUTO && o->color_mode != want)
      return qe_error(
          ctx, QE_ERR_SHAPE, "preprocessing.color_mode is %s but the model input has %d channel%s",
          qe_data_enum_name(QE_ENUM_COLOR_MODE, o->color_mode), (int)c, c == 1 ? "" : "s");
    ds->img_mode = want;
    ds->img_h = (int)h;
    ds->img_w = (int)w;
    ds->img_c = (int)c;
    ds->item_rank = 3;
    memcpy(ds->item_dims, d, sizeof(int64_t) * 3);
    break;
  }
  case QE_DATA_AUDIO: {
    drop_batch(o, 3, &r, d);
    int64_t nm = o->n_mels, pl = o->patch_length;
    if (r == 0) {
      ds->item_rank = 3;
      if (o->layout == QE_LAYOUT_NCHW) {
        d[0] = 1, d[1] = nm, d[2] = pl;
      } else {
        d[0] = nm, d[1] = pl, d[2] = 1;
      }
      memcpy(ds->item_dims, d, sizeof(int64_t) * 3);
    } else {
      int64_t cnt = qe_dims_count(d, r);
      bool ok = cnt == nm * pl;
      if (ok && r >= 2) {
        /* the mel axis must come before the time axis */
        int64_t a = -1, b = -1;
        for (int i = 0; i < r; i++)
          if (d[i] != 1) {
            if (a < 0)
              a = d[i];
            else if (b < 0)
              b = d[i];
          }
        ok = (nm == 1 || pl == 1) || (a == nm && b == pl);
      }
      if (!ok)
        return qe_error(ctx, QE_ERR_SHAPE,
                        "model input %s does not hold one patch of n_mels %d x patch_length %d",
                        qe_dims_to_string(o->input_shape, o->input_rank, buf, sizeof buf),
                        o->n_mels, o->patch_length);
      ds->item_rank = r;
      memcpy(ds->item_dims, d, sizeof(int64_t) * (size_t)r);
    }
    break;
  }
  case QE_DATA_SERIES: {
    size_t C, L;
    series_dims(o, &r, d, &C, &L);
    C = ds->ser_channels ? ds->ser_channels : 1;
    if (r == 0)
      L = o->time_domain ? ds->ser_raw : ds->ser_raw / 2;
    if (L == 0)
      return qe_error(ctx, QE_ERR_SHAPE, "the series length is 0");
    ds->ser_len = L;
    if (r == 0) {
      ds->item_rank = 3;
      if (o->layout == QE_LAYOUT_NCHW) {
        d[0] = 1, d[1] = (int64_t)C, d[2] = (int64_t)L;
      } else {
        d[0] = (int64_t)C, d[1] = (int64_t)L, d[2] = 1;
      }
      memcpy(ds->item_dims, d, sizeof(int64_t) * 3);
    } else {
      ds->item_rank = r;
      memcpy(ds->item_dims, d, sizeof(int64_t) * (size_t)r);
    }
    size_t T = o->time_domain ? L : 2 * L;
    if (ds->ser_raw && ds->ser_raw < T)
      return qe_error(ctx, QE_ERR_SHAPE,
                      "each channel holds %zu values; the model needs %zu (seq_len %zu%s)",
                      ds->ser_raw, T, L, o->time_domain ? "" : ", doubled for the FFT");
    break;
  }
  case QE_DATA_TENSORS: {
    int64_t per = qe_dims_count(ds->x_dims, ds->x_rank);
    drop_batch(o, ds->x_rank, &r, d);
    if (r > 0 && qe_dims_count(d, r) == per) {
      ds->item_rank = r;
      memcpy(ds->item_dims, d, sizeof(int64_t) * (size_t)r);
    } else if (r > 0) {
      char b2[128];
      return qe_error(ctx, QE_ERR_SHAPE, "samples of x are %s, the model input is %s",
                      qe_dims_to_string(ds->x_dims, ds->x_rank, b2, sizeof b2),
                      qe_dims_to_string(o->input_shape, o->input_rank, buf, sizeof buf));
    } else {
      ds->item_rank = ds->x_rank;
      memcpy(ds->item_dims, ds->x_dims, sizeof(int64_t) * (size_t)ds->x_rank);
    }
    break;
  }
  default:
    break;
  }
  int64_t cnt = qe_dims_count(ds->item_dims, ds->item_rank);
  if (cnt <= 0 || cnt > ((int64_t)1 << 30))
    return qe_error(ctx, QE_ERR_SHAPE, "model input %s is not usable",
                    qe_dims_to_string(ds->item_dims, ds->item_rank, buf, sizeof buf));
  ds->item_count = (size_t)cnt;
  return QE_OK;
}

/* ---- classes and labels -------------------------------------------------------------------- */

static int cmp_cstr(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static qe_status resolve_labels(qe_dataset *ds, qe_ctx *ctx)
{
  const qe_data_options *o = &ds->opt;
  bool any_name = false, any_int = false;
  for (size_t i = 0; i < ds->n_samples; i++) {
    if (ds->samples[i].label_name)
      any_name = true;
    else if (ds->samples[i].label_int >= 0)
      any_int = true;
  }
  ds->labels_are_names = any_name;
  /* the listed order (for integer labels) and the class order */
  char **listed = NULL;
  size_t n_listed = 0;
  if (o->n_class_names) {
    listed = ds->s_class_names;
    n_listed = o->n_class_names;
  } else if (ds->n_classes) {
    listed = ds->classes; /* from an .npz `classes` */
    n_listed = ds->n_classes;
  }
  char **classes = NULL;
  size_t nc = 0;
  if (listed) {
    classes = malloc(sizeof(char *) * n_listed);
    if (!classes)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n_listed; i++)
      if (!(classes[i] = qe_strdup(listed[i]))) {
        free_strv(classes, i);
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      }
    nc = n_listed;
    /* names (folders, CSV categories) follow the sorted list as in the
     * model zoo; integer labels are the model's output indices: keep the
     * listed order so label k stays class k */
    if (o->sort_class_names && o->n_class_names && any_name)
      qsort(classes, nc, sizeof(char *), cmp_cstr);
  } else if (any_name || ds->n_folder_classes) {
    size_t cap = 0;
    for (size_t i = 0; i < ds->n_samples + ds->n_folder_classes; i++) {
      const char *n =
          i < ds->n_samples ? ds->samples[i].label_name : ds->folder_classes[i - ds->n_samples];
      if (!n)
        continue;
      bool seen = false;
      for (size_t k = 0; k < nc && !seen; k++)
        seen = strcmp(classes[k], n) == 0;
      if (seen)
        continue;
      if (!qe_grow((void **)&classes, &cap, nc + 1, sizeof(char *)) ||
          !(classes[nc] = qe_strdup(n))) {
        free_strv(classes, nc);
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      }
      nc++;
    }
    if (nc)
      qsort(classes, nc, sizeof(char *), cmp_cstr);
  } else if (any_int) {
    long long mx = -1;
    for (size_t i = 0; i < ds->n_samples; i++)
      mx = QE_MAX(mx, ds->samples[i].label_int);
    if (mx > 100000)
      return qe_error(ctx, QE_ERR_DATA, "label %lld is too large for a class index", mx);
    nc = (size_t)mx + 1;
    classes = calloc(nc, sizeof(char *));
    if (!classes)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < nc; i++)
      if (!(classes[i] = qe_strdup_printf("%zu", i))) {
        free_strv(classes, i);
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      }
  }
  /* the old list (an .npz `classes`) may be @listed: freed after mapping */
  char **old_classes = ds->classes != classes ? ds->classes : NULL;
  size_t old_n = ds->n_classes;
  ds->classes = classes;
  ds->n_classes = nc;
  /* map each sample's label; drop those that do not map */
  size_t w = 0;
  for (size_t i = 0; i < ds->n_samples; i++) {
    qe_ds_sample *s = &ds->samples[i];
    int32_t lab = -1;
    bool bad = false;
    char why[256] = "";
    if (s->label_name) {
      for (size_t k = 0; k < nc; k++)
        if (strcmp(classes[k], s->label_name) == 0)
          lab = (int32_t)k;
      if (lab < 0) {
        bad = true;
        snprintf(why, sizeof why, "label '%.64s' is not in class_names", s->label_name);
      }
    } else if (s->label_int >= 0) {
      if ((size_t)s->label_int >= (listed ? n_listed : nc)) {
        bad = true;
        snprintf(why, sizeof why, "label %lld is not a class index (%zu classes)", s->label_int,
                 listed ? n_listed : nc);
      } else if (listed) {
        const char *name = listed[s->label_int];
        for (size_t k = 0; k < nc; k++)
          if (strcmp(classes[k], name) == 0)
            lab = (int32_t)k;
      } else {
        lab = (int32_t)s->label_int;
      }
    }
    /* per-channel labels of row_per_channel series map the same way */
    for (size_t c = 0; !bad && c < s->n_chan_labels; c++) {
      int32_t v = s->chan_labels[c];
      if (v < 0 || (size_t)v >= (listed ? n_listed : nc)) {
        bad = true;
        snprintf(why, sizeof why, "channel %zu label %d is not a class index", c, (int)v);
      } else if (listed) {
        for (size_t k = 0; k < nc; k++)
          if (strcmp(classes[k], listed[v]) == 0)
            s->chan_labels[c] = (int32_t)k;
      }
    }
    if (bad && s->label_name && ds->kind == QE_DATA_AUDIO && s->row && o->n_class_names) {
      /* ESC-50 lists every category: the model zoo keeps only class_names */
      ds->n_filtered++;
    } else if (bad) {
      if (s->row)
        qe_ds_skip(ds, s->path, "line %zu: %s", s->row, why);
      else
        qe_ds_skip(ds, s->path, "%s", why);
    }
    if (bad) {
      free_sample_names(s->path, s->display);
      free(s->label_name);
      free(s->values);
      free(s->chan_labels);
      continue;
    }
    s->label = lab;
    ds->samples[w++] = *s;
  }
  ds->n_samples = w;
  if (old_classes)
    free_strv(old_classes, old_n);
  return QE_OK;
}

/* ---- splits -------------------------------------------------------------------------------- */

/* Mark round(frac * n_class) of the samples in @pool (bit @from in
 * subsets) per class with bit @to, removing @from when @move. */
static void stratified_pick(qe_dataset *ds, uint32_t from, uint32_t to, double frac, bool move,
                            uint64_t stream)
{
  qe_rng rng;
  qe_rng_seed(&rng, ds->opt.seed ^ (stream * 0xD1B54A32D192ED03ull));
  size_t nc = ds->n_classes + 1; /* + unlabeled */
  size_t *idx = malloc(sizeof(size_t) * (ds->n_samples ? ds->n_samples : 1));
  if (!idx)
    return;
  for (size_t c = 0; c < nc; c++) {
    int32_t lab = c == ds->n_classes ? -1 : (int32_t)c;
    size_t n = 0;
    for (size_t i = 0; i < ds->n_samples; i++)
      if ((ds->samples[i].subsets & from) && ds->samples[i].label == lab)
        idx[n++] = i;
    if (n == 0)
      continue;
    for (size_t i = n - 1; i > 0; i--) {
      size_t j = (size_t)(qe_rng_next(&rng) % (uint64_t)(i + 1));
      size_t t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    size_t k = (size_t)floor(frac * (double)n + 0.5);
    if (k == 0 && frac > 0 && n >= 2)
      k = 1;
    if (k > n)
      k = n;
    for (size_t i = 0; i < k; i++) {
      ds->samples[idx[i]].subsets |= to;
      if (move)
        ds->samples[idx[i]].subsets &= ~from;
    }
  }
  free(idx);
}

#define BIT(s) (1u << (s))

static qe_status build_subsets(qe_dataset *ds, qe_ctx *ctx)
{
  const qe_data_options *o = &ds->opt;
  bool have[ORIGIN_COUNT] = { false };
  for (size_t i = 0; i < ds->n_samples; i++)
    have[ds->samples[i].origin] = true;
  const uint32_t POOL = 1u << 31;
  for (size_t i = 0; i < ds->n_samples; i++) {
    qe_ds_sample *s = &ds->samples[i];
    s->subsets = BIT(QE_SUBSET_ALL);
    switch (s->origin) {
    case ORIGIN_TRAIN:
      s->subsets |= POOL;
      break;
    case ORIGIN_VALIDATION:
      s->subsets |= BIT(QE_SUBSET_VALIDATION);
      break;
    case ORIGIN_TEST:
      s->subsets |= BIT(QE_SUBSET_TEST);
      break;
    default:
      break;
    }
  }
  bool test_path = o->test_path || o->test_csv_path;
  bool val_path = o->validation_path || o->validation_csv_path;
  if (!test_path && o->test_split > 0)
    stratified_pick(ds, POOL, BIT(QE_SUBSET_TEST), o->test_split, true, 1);
  if (!val_path && o->validation_split > 0) {
    /* the fraction is of the whole training file, as the model zoo splits
     * before taking the test part: rescale to what is left in the pool */
    double f = o->validation_split;
    if (!test_path && o->test_split > 0)
      f = f / (1.0 - o->test_split);
    stratified_pick(ds, POOL, BIT(QE_SUBSET_VALIDATION), QE_MIN(f, 1.0), true, 2);
  }
  for (size_t i = 0; i < ds->n_samples; i++)
    if (ds->samples[i].subsets & POOL)
      ds->samples[i].subsets = (ds->samples[i].subsets & ~POOL) | BIT(QE_SUBSET_TRAINING);
  /* calibration */
  bool qpath = o->quantization_path || o->quantization_csv_path || have[ORIGIN_QUANTIZATION];
  uint32_t src = 0;
  if (qpath) {
    const uint32_t Q = 1u << 30;
    for (size_t i = 0; i < ds->n_samples; i++)
      if (ds->samples[i].origin == ORIGIN_QUANTIZATION)
        ds->samples[i].subsets |= Q;
    src = Q;
    ds->calib = o->quantization_split > 0 && o->quantization_split < 1.0
                    ? QE_CALIB_QUANTIZATION_SPLIT
                    : QE_CALIB_QUANTIZATION_SET;
  } else {
    size_t ntrain = 0;
    for (size_t i = 0; i < ds->n_samples; i++)
      ntrain += (ds->samples[i].subsets & BIT(QE_SUBSET_TRAINING)) != 0;
    if (ntrain) {
      src = BIT(QE_SUBSET_TRAINING);
      ds->calib = o->quantization_split > 0 && o->quantization_split < 1.0 ? QE_CALIB_TRAINING_SPLIT
                                                                           : QE_CALIB_TRAINING_SET;
    } else {
      ds->calib = QE_CALIB_RANDOM;
    }
  }
  if (src) {
    if (ds->calib == QE_CALIB_QUANTIZATION_SPLIT || ds->calib == QE_CALIB_TRAINING_SPLIT) {
      stratified_pick(ds, src, BIT(QE_SUBSET_CALIBRATION), o->quantization_split, false, 3);
    } else {
      for (size_t i = 0; i < ds->n_samples; i++)
        if (ds->samples[i].subsets & src)
          ds->samples[i].subsets |= BIT(QE_SUBSET_CALIBRATION);
    }
    for (size_t i = 0; i < ds->n_samples; i++)
      ds->samples[i].subsets &= ~(1u << 30);
  }
  /* evaluation = test if any else validation */
  size_t ntest = 0;
  for (size_t i = 0; i < ds->n_samples; i++)
    ntest += (ds->samples[i].subsets & BIT(QE_SUBSET_TEST)) != 0;
  qe_subset ev = ntest ? QE_SUBSET_TEST : QE_SUBSET_VALIDATION;
  for (size_t i = 0; i < ds->n_samples; i++)
    if (ds->samples[i].subsets & BIT(ev))
      ds->samples[i].subsets |= BIT(QE_SUBSET_EVALUATION);
  /* index lists */
  for (int s = 0; s < QE_SUBSET_COUNT; s++) {
    free(ds->subset_idx[s]);
    ds->subset_idx[s] = malloc(sizeof(size_t) * (ds->n_samples ? ds->n_samples : 1));
    if (!ds->subset_idx[s])
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < ds->n_samples; i++)
      if (ds->samples[i].subsets & BIT(s))
        ds->subset_idx[s][n++] = i;
    ds->subset_n[s] = n;
    size_t *shrunk = realloc(ds->subset_idx[s], sizeof(size_t) * (n ? n : 1));
    if (shrunk)
      ds->subset_idx[s] = shrunk;
  }
  return QE_OK;
}

/* ---- time-series normalization statistics ---------------------------------------------------- */

static qe_status fit_series_norm(qe_dataset *ds, qe_ctx *ctx)
{
  if (ds->kind != QE_DATA_SERIES || ds->opt.normalization != QE_SERIES_NORM_DATASET)
    return QE_OK;
  size_t L = ds->ser_len, C = QE_MAX(ds->ser_channels, 1);
  bool freq = !ds->opt.time_domain;
  size_t nl = freq ? L : 1;
  double *sum = calloc(nl, sizeof(double)), *sq = calloc(nl, sizeof(double));
  float *buf = malloc(sizeof(float) * C * L);
  qe_worker w;
  qe_worker_init(&w);
  qe_status st = QE_OK;
  if (!sum || !sq || !buf) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto done;
  }
  size_t used = 0;
  bool from_training = ds->subset_n[QE_SUBSET_TRAINING] > 0;
  if (!from_training)
    qe_warn(ctx, "normalization: no training samples to fit the mean and deviation on; using "
                 "every sample of the data set");
  /* two passes (mean, then deviation) keep the numbers exact enough */
  for (int pass = 0; pass < 2 && !st; pass++) {
    for (size_t i = 0; i < ds->n_samples && !st; i++) {
      const qe_ds_sample *s = &ds->samples[i];
      if (from_training && !(s->subsets & BIT(QE_SUBSET_TRAINING)))
        continue;
      if ((st = qe_ds_series_features(ds, s, &w, buf, false, ctx)))
        break;
      for (size_t c = 0; c < C; c++)
        for (size_t t = 0; t < L; t++) {
          double v = buf[c * L + t];
          size_t k = freq ? t : 0;
          if (pass == 0)
            sum[k] += v;
          else {
            double m = ds->norm_mean[k];
            sq[k] += (v - m) * (v - m);
          }
        }
      if (pass == 0)
        used++;
    }
    if (st)
      break;
    if (used == 0) {
      st = qe_error(ctx, QE_ERR_DATA, "normalization: no samples to fit on");
      break;
    }
    double per = (double)used * (double)C * (freq ? 1.0 : (double)L);
    if (pass == 0) {
      ds->norm_mean = malloc(sizeof(float) * nl);
      ds->norm_std = malloc(sizeof(float) * nl);
      if (!ds->norm_mean || !ds->norm_std) {
        st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
        break;
      }
      for (size_t k = 0; k < nl; k++)
        ds->norm_mean[k] = (float)(sum[k] / per);
    } else {
      for (size_t k = 0; k < nl; k++)
        ds->norm_std[k] = (float)(sqrt(sq[k] / per) + 1e-8);
    }
  }
  ds->norm_len = nl;
done:
  qe_worker_clear(&w);
  free(sum);
  free(sq);
  free(buf);
  return st;
}

/* ---- open -------------------------------------------------------------------------------------
 */

static qe_status copy_options(qe_dataset *ds, const qe_data_options *o, qe_ctx *ctx)
{
  ds->opt = *o;
  const char *const paths[8] = { o->training_path,     o->training_csv_path,
                                 o->validation_path,   o->validation_csv_path,
                                 o->quantization_path, o->quantization_csv_path,
                                 o->test_path,         o->test_csv_path };
  const char **dst[8] = { &ds->opt.training_path,     &ds->opt.training_csv_path,
                          &ds->opt.validation_path,   &ds->opt.validation_csv_path,
                          &ds->opt.quantization_path, &ds->opt.quantization_csv_path,
                          &ds->opt.test_path,         &ds->opt.test_csv_path };
  for (int i = 0; i < 8; i++) {
    /* empty strings mean unset, as an empty YAML value */
    ds->s_paths[i] = (paths[i] && paths[i][0]) ? qe_strdup(paths[i]) : NULL;
    *dst[i] = ds->s_paths[i];
  }
  ds->s_name = qe_strdup(o->name);
  ds->opt.name = ds->s_name;
  ds->s_ext = qe_strdup(o->file_extension);
  ds->opt.file_extension = ds->s_ext;
  ds->s_label_column = qe_strdup(o->label_column);
  ds->opt.label_column = ds->s_label_column;
  if (o->n_class_names) {
    ds->s_class_names = calloc(o->n_class_names, sizeof(char *));
    if (!ds->s_class_names)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < o->n_class_names; i++)
      if (!(ds->s_class_names[i] = qe_strdup(o->class_names[i])))
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    ds->opt.class_names = (const char *const *)ds->s_class_names;
  } else {
    ds->opt.class_names = NULL;
  }
  return QE_OK;
}

static qe_status ds_new(const qe_data_options *o, qe_data_kind kind, qe_dataset **out, qe_ctx *ctx)
{
  qe_data_options def;
  if (!o) {
    qe_data_options_init(&def);
    o = &def;
  }
  qe_status st = qe_data_options_validate(o, ctx);
  if (st)
    return st;
  if ((unsigned)kind >= QE_DATA_KIND_COUNT)
    return qe_error(ctx, QE_ERR_INVALID, "unknown data kind %d", (int)kind);
  qe_dataset *ds = calloc(1, sizeof *ds);
  if (!ds)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  pthread_mutex_init(&ds->lock, NULL);
  ds->kind = kind;
  if ((st = copy_options(ds, o, ctx))) {
    qe_dataset_free(ds);
    return st;
  }
  *out = ds;
  return QE_OK;
}

static qe_status finalize(qe_dataset *ds, qe_ctx *ctx)
{
  qe_status st;
  if ((st = resolve_labels(ds, ctx)))
    return st;
  if (ds->n_samples == 0) {
    if (ds->n_skip)
      return qe_error(ctx, QE_ERR_DATA,
                      "no usable sample: all %zu files or rows were skipped (first: %s: %s)",
                      ds->n_skip, ds->skip_path[0], ds->skip_reason[0]);
    return qe_error(ctx, QE_ERR_DATA, "the data set holds no samples");
  }
  if ((st = setup_shapes(ds, ctx)) || (st = build_subsets(ds, ctx)) ||
      (st = fit_series_norm(ds, ctx)))
    return st;
  if (ds->opt.to_cache) {
    ds->cache = calloc(ds->n_samples, sizeof(qe_cache_entry));
    if (!ds->cache)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  return QE_OK;
}

qe_status qe_dataset_open(const char *path, qe_data_kind kind, const qe_data_options *o,
                          qe_dataset **out, qe_ctx *ctx)
{
  *out = NULL;
  if (!path || !path[0])
    return qe_error(ctx, QE_ERR_INVALID, "no data set path given");
  qe_dataset *ds;
  qe_status st = ds_new(o, kind, &ds, ctx);
  if (st)
    return st;
  /* a single path is the training pool; the paths of @o are not used */
  for (int i = 0; i < 8; i++) {
    free(ds->s_paths[i]);
    ds->s_paths[i] = NULL;
  }
  ds->opt.training_path = ds->opt.training_csv_path = NULL;
  ds->opt.validation_path = ds->opt.validation_csv_path = NULL;
  ds->opt.quantization_path = ds->opt.quantization_csv_path = NULL;
  ds->opt.test_path = ds->opt.test_csv_path = NULL;
  if (!(st = setup_shapes_pre(ds, ctx))) {
    bool csv = is_file(path) && has_ext(path, ".csv") && csv_is_esc50(path);
    st = list_path(ds, csv ? NULL : path, csv ? path : NULL, ORIGIN_TRAIN, ctx);
  }
  if (!st)
    st = finalize(ds, ctx);
  if (st) {
    qe_dataset_free(ds);
    return st;
  }
  *out = ds;
  return QE_OK;
}

qe_status qe_dataset_open_config(const qe_data_options *o, qe_data_kind kind, qe_dataset **out,
                                 qe_ctx *ctx)
{
  *out = NULL;
  qe_dataset *ds;
  qe_status st = ds_new(o, kind, &ds, ctx);
  if (st)
    return st;
  const qe_data_options *c = &ds->opt;
  const char *p[ORIGIN_COUNT][2] = {
    { c->training_path, c->training_csv_path },
    { c->validation_path, c->validation_csv_path },
    { c->quantization_path, c->quantization_csv_path },
    { c->test_path, c->test_csv_path },
  };
  static const char *const keys[ORIGIN_COUNT] = { "training", "validation", "quantization",
                                                  "test" };
  st = setup_shapes_pre(ds, ctx);
  for (int i = 0; i < ORIGIN_COUNT && !st; i++) {
    if (!p[i][0] && !p[i][1])
      continue;
    if ((st = list_path(ds, p[i][0], p[i][1], i, ctx)))
      qe_error_prefix(ctx, "dataset.%s_path", keys[i]);
  }
  if (!st)
    st = finalize(ds, ctx);
  if (st) {
    if (st == QE_ERR_DATA && ds->n_samples == 0 && !c->training_path && !c->quantization_path &&
        !c->validation_path && !c->test_path && !c->training_csv_path &&
        !c->quantization_csv_path && !c->test_csv_path && !c->validation_csv_path) {
      /* no path at all: calibration on random data (needs the input shape) */
      qe_ctx_clear(ctx);
      ds->calib = QE_CALIB_RANDOM;
      if (ds->kind == QE_DATA_AUTO)
        ds->kind = QE_DATA_TENSORS;
      int r;
      int64_t d[QE_MAX_RANK];
      drop_batch(c, c->input_rank > 3 ? c->input_rank - 1 : c->input_rank, &r, d);
      int64_t cnt = r ? qe_dims_count(d, r) : 0;
      if (cnt <= 0 || cnt > ((int64_t)1 << 30)) {
        qe_dataset_free(ds);
        return qe_error(ctx, QE_ERR_DATA,
                        "no data set path is given and the model input shape is unknown, so "
                        "not even random calibration data can be made");
      }
      ds->item_rank = r;
      memcpy(ds->item_dims, d, sizeof(int64_t) * (size_t)r);
      ds->item_count = (size_t)cnt;
      for (int s = 0; s < QE_SUBSET_COUNT; s++) {
        ds->subset_idx[s] = malloc(sizeof(size_t));
        ds->subset_n[s] = 0;
        if (!ds->subset_idx[s]) {
          qe_dataset_free(ds);
          return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
        }
      }
      *out = ds;
      return QE_OK;
    }
    qe_dataset_free(ds);
    return st;
  }
  *out = ds;
  return QE_OK;
}

void qe_dataset_free(qe_dataset *ds)
{
  if (!ds)
    return;
  for (size_t i = 0; i < ds->n_samples; i++) {
    qe_ds_sample *s = &ds->samples[i];
    free_sample_names(s->path, s->display);
    free(s->label_name);
    free(s->values);
    free(s->chan_labels);
  }
  free(ds->samples);
  for (int s = 0; s < QE_SUBSET_COUNT; s++)
    free(ds->subset_idx[s]);
  for (size_t i = 0; i < ds->n_skip; i++) {
    free(ds->skip_path[i]);
    free(ds->skip_reason[i]);
  }
  free(ds->skip_path);
  free(ds->skip_reason);
  free_strv(ds->classes, ds->n_classes);
  free_strv(ds->folder_classes, ds->n_folder_classes);
  if (ds->s_class_names)
    free_strv(ds->s_class_names, ds->opt.n_class_names);
  for (int i = 0; i < 8; i++)
    free(ds->s_paths[i]);
  free(ds->s_name);
  free(ds->s_ext);
  free(ds->s_label_column);
  free(ds->norm_mean);
  free(ds->norm_std);
  if (ds->cache) {
    for (size_t i = 0; i < ds->n_samples; i++)
      free(ds->cache[i].data);
    free(ds->cache);
  }
  pthread_mutex_destroy(&ds->lock);
  free(ds);
}

/* ---- accessors ----------------------------------------------------------------------------------
 */

qe_data_kind qe_dataset_kind(const qe_dataset *ds)
{
  return ds ? ds->kind : QE_DATA_AUTO;
}

const qe_data_options *qe_dataset_options(const qe_dataset *ds)
{
  return ds ? &ds->opt : NULL;
}

size_t qe_dataset_class_count(const qe_dataset *ds)
{
  return ds ? ds->n_classes : 0;
}

const char *qe_dataset_class_name(const qe_dataset *ds, size_t index)
{
  return ds && index < ds->n_classes ? ds->classes[index] : NULL;
}

size_t qe_dataset_count(const qe_dataset *ds)
{
  return ds ? ds->n_samples : 0;
}

qe_status qe_dataset_sample(const qe_dataset *ds, size_t index, qe_sample_info *out, qe_ctx *ctx)
{
  if (!ds || index >= ds->n_samples)
    return qe_error(ctx, QE_ERR_INVALID, "sample %zu is out of range", index);
  const qe_ds_sample *s = &ds->samples[index];
  out->path = s->display ? s->display : "";
  out->row = s->row;
  out->label = s->label;
  out->subsets = s->subsets;
  return QE_OK;
}

const size_t *qe_dataset_subset(const qe_dataset *ds, qe_subset subset, size_t *n)
{
  *n = 0;
  if (!ds || (unsigned)subset >= QE_SUBSET_COUNT)
    return NULL;
  *n = ds->subset_n[subset];
  return ds->subset_idx[subset];
}

qe_calib_source qe_dataset_calibration_source(const qe_dataset *ds)
{
  return ds ? ds->calib : QE_CALIB_RANDOM;
}

size_t qe_dataset_skipped_count(const qe_dataset *ds)
{
  if (!ds)
    return 0;
  pthread_mutex_lock((pthread_mutex_t *)&ds->lock);
  size_t n = ds->n_skip;
  pthread_mutex_unlock((pthread_mutex_t *)&ds->lock);
  return n;
}

const char *qe_dataset_skipped_path(const qe_dataset *ds, size_t index)
{
  if (!ds)
    return NULL;
  pthread_mutex_lock((pthread_mutex_t *)&ds->lock);
  const char *p = index < ds->n_skip ? ds->skip_path[index] : NULL;
  pthread_mutex_unlock((pthread_mutex_t *)&ds->lock);
  return p;
}

const char *qe_dataset_skipped_reason(const qe_dataset *ds, size_t index)
{
  if (!ds)
    return NULL;
  pthread_mutex_lock((pthread_mutex_t *)&ds->lock);
  const char *p = index < ds->n_skip ? ds->skip_reason[index] : NULL;
  pthread_mutex_unlock((pthread_mutex_t *)&ds->lock);
  return p;
}

int qe_dataset_item_shape(const qe_dataset *ds, int64_t dims[QE_MAX_RANK])
{
  if (!ds)
    return 0;
  memcpy(dims, ds->item_dims, sizeof(int64_t) * QE_MAX_RANK);
  return ds->item_rank;
}
