/* ks-s3-index.c: the store's keys in order, for listing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-s3-index.h"

/*
 * Objects are files named by the hash of their key, so the directory
 * cannot list them in key order; this does. It is built from the files
 * by a scan at start-up and kept in step by every commit and delete,
 * which take the lock around their rename() or unlink() so the two never
 * disagree. The scan runs beside them: what it read of a key a commit or
 * delete has been at since it began may be older, and is left out.
 * Keys sort as S3 sorts them: by their UTF-8 bytes.
 */
struct _KsS3Index
{
  GMutex      mutex;
  GTree      *tree;    /* key (owned by the entry) → KsS3Entry */
  GHashTable *touched; /* nullable: keys written during the scan */
};

static void
entry_free (KsS3Entry *entry)
{
  g_free (entry->key);
  g_free (entry->etag);
  g_free (entry);
}

static KsS3Entry *
entry_copy (const KsS3Entry *entry)
{
  KsS3Entry *copy = g_new0 (KsS3Entry, 1);

  copy->key = g_strdup (entry->key);
  copy->size = entry->size;
  copy->etag = g_strdup (entry->etag);
  copy->mtime_unix = entry->mtime_unix;

  return copy;
}

static int
compare_keys (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  return strcmp (a, b);
}

KsS3Index *
ks_s3_index_new (void)
{
  KsS3Index *self = g_new0 (KsS3Index, 1);

  g_mutex_init (&self->mutex);
  self->tree = g_tree_new_full (compare_keys, NULL, NULL, (GDestroyNotify) entry_free);

  return self;
}

void
ks_s3_index_free (KsS3Index *self)
{
  if (self == NULL)
    return;

  g_tree_unref (self->tree);
  g_clear_pointer (&self->touched, g_hash_table_unref);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

void
ks_s3_index_lock (KsS3Index *self)
{
  g_mutex_lock (&self->mutex);
}

void
ks_s3_index_unlock (KsS3Index *self)
{
  g_mutex_unlock (&self->mutex);
}

static void
insert_locked (KsS3Index      *self,
               const KsS3Meta *meta)
{
  KsS3Entry *entry = g_new0 (KsS3Entry, 1);

  entry->key = g_strdup (meta->key);
  entry->size = meta->size;
  entry->etag = g_strdup (meta->etag);
  entry->mtime_unix = meta->mtime_unix;
  /* replace, not insert: the tree's key lives in the old entry. */
  g_tree_replace (self->tree, entry->key, entry);
}

static void
touch_locked (KsS3Index  *self,
              const char *key)
{
  if (self->touched != NULL)
    g_hash_table_add (self->touched, g_strdup (key));
}

void
ks_s3_index_put_locked (KsS3Index      *self,
                        const KsS3Meta *meta)
{
  touch_locked (self, meta->key);
  insert_locked (self, meta);
}

void
ks_s3_index_remove_locked (KsS3Index  *self,
                           const char *key)
{
  touch_locked (self, key);
  g_tree_remove (self->tree, key);
}

void
ks_s3_index_begin_scan (KsS3Index *self)
{
  g_mutex_lock (&self->mutex);
  g_warn_if_fail (self->touched == NULL);
  if (self->touched == NULL)
    self->touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_unlock (&self->mutex);
}

/* What the scan read of an object, unless a commit or delete has been at
 * its key since the scan began: that one is newer. */
void
ks_s3_index_put_scanned (KsS3Index      *self,
                         const KsS3Meta *meta)
{
  g_mutex_lock (&self->mutex);
  if (self->touched == NULL || !g_hash_table_contains (self->touched, meta->key))
    insert_locked (self, meta);
  g_mutex_unlock (&self->mutex);
}

void
ks_s3_index_end_scan (KsS3Index *self)
{
  g_mutex_lock (&self->mutex);
  g_clear_pointer (&self->touched, g_hash_table_unref);
  g_mutex_unlock (&self->mutex);
}

guint
ks_s3_index_count (KsS3Index *self)
{
  guint count;

  g_mutex_lock (&self->mutex);
  count = (guint) g_tree_nnodes (self->tree);
  g_mutex_unlock (&self->mutex);

  return count;
}

/* The first string after every string that starts with @prefix, or NULL
 * if there is none (all 0xff bytes, which UTF-8 never has). */
static char *
successor (const char *prefix)
{
  g_autofree char *next = g_strdup (prefix);
  gssize           i;

  for (i = (gssize) strlen (next) - 1; i >= 0 && (guchar) next[i] == 0xff; i--)
    ;
  if (i < 0)
    return NULL;

  next[i] = (char) ((guchar) next[i] + 1);
  next[i + 1] = '\0';
  return g_steal_pointer (&next);
}

/* With a delimiter, the common prefix @key rolls up into, if any. */
static char *
common_prefix (const KsS3ListQuery *query,
               const char          *key)
{
  gsize       prefix_len = strlen (query->prefix);
  const char *found;

  if (query->delimiter == NULL || *query->delimiter == '\0' ||
      strncmp (key, query->prefix, prefix_len) != 0)
    return NULL;

  found = strstr (key + prefix_len, query->delimiter);
  if (found == NULL)
    return NULL;

  return g_strndup (key, (gsize) (found - key) + strlen (query->delimiter));
}

/* Where listing starts: at the prefix, or after @query->after; after a
 * common prefix means after everything under it. */
static GTreeNode *
first_node (KsS3Index           *self,
            const KsS3ListQuery *query)
{
  g_autofree char *cp = NULL;
  g_autofree char *next = NULL;
  GTreeNode       *node;

  if (query->after == NULL || strcmp (query->after, query->prefix) < 0)
    return g_tree_lower_bound (self->tree, query->prefix);

  cp = common_prefix (query, query->after);
  if (cp != NULL)
    {
      next = successor (cp);
      return next != NULL ? g_tree_lower_bound (self->tree, next) : NULL;
    }

  node = g_tree_lower_bound (self->tree, query->after);
  if (node != NULL && strcmp (g_tree_node_key (node), query->after) == 0)
    node = g_tree_node_next (node);

  return node;
}

static GTreeNode *
add_common_prefix (KsS3Index      *self,
                   char           *cp,
                   KsS3ListResult *out)
{
  g_autofree char *next = successor (cp);

  g_ptr_array_add (out->prefixes, cp);
  g_free (out->last);
  out->last = g_strdup (cp);

  return next != NULL ? g_tree_lower_bound (self->tree, next) : NULL;
}

static gboolean
in_range (GTreeNode           *node,
          const KsS3ListQuery *query)
{
  return node != NULL && g_str_has_prefix (g_tree_node_key (node), query->prefix);
}

/**
 * ks_s3_index_list:
 *
 * The ListObjects algorithm: keys with the prefix, in order, those with
 * the delimiter after the prefix rolled up into one common prefix each,
 * at most max_keys of both together.
 */
void
ks_s3_index_list (KsS3Index           *self,
                  const KsS3ListQuery *query,
                  KsS3ListResult      *out)
{
  GTreeNode *node;
  guint      count = 0;

  out->contents = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  out->prefixes = g_ptr_array_new_with_free_func (g_free);
  out->truncated = FALSE;
  out->last = NULL;

  g_mutex_lock (&self->mutex);
  node = first_node (self, query);
  while (in_range (node, query) && count < query->max_keys)
    {
      KsS3Entry *entry = g_tree_node_value (node);
      char      *cp = common_prefix (query, entry->key);

      if (cp != NULL)
        {
          node = add_common_prefix (self, cp, out);
        }
      else
        {
          g_ptr_array_add (out->contents, entry_copy (entry));
          g_free (out->last);
          out->last = g_strdup (entry->key);
          node = g_tree_node_next (node);
        }
      count++;
    }
  out->truncated = in_range (node, query);
  g_mutex_unlock (&self->mutex);
}

void
ks_s3_list_result_clear (KsS3ListResult *result)
{
  g_clear_pointer (&result->contents, g_ptr_array_unref);
  g_clear_pointer (&result->prefixes, g_ptr_array_unref);
  g_clear_pointer (&result->last, g_free);
}
