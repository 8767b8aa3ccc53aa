/* ks-server-data-dir.c: create on first start, check on every start
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ks-hash.h"
#include "ks-server-data-dir.h"
#include "ks-server-error.h"
#include "ks-server-urls.h"

/*
 * Layout of the data directory (0700, every file 0600):
 *
 *   server.json          region, user pool id, app client id
 *   signing-key.pem      RSA key that signs the IdP's tokens (PKCS#8)
 *   s3-credentials.json  access key pair of the built-in S3 store
 *   keepsake.db          SQLite, WAL mode (+ -wal, -shm; -clean after a
 *                        clean shutdown, see ks-server-db.c)
 *   objects/             the S3 store's objects
 *   server.lock          held (flock) by the running server
 */
#define SERVER_FILE "server.json"
#define SIGNING_KEY_FILE "signing-key.pem"
#define S3_CREDENTIALS_FILE "s3-credentials.json"
#define DB_FILE "keepsake.db"
#define OBJECTS_DIR "objects"
#define LOCK_FILE "server.lock"

#define UPPER_ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define LOWER_ALNUM "abcdefghijklmnopqrstuvwxyz0123456789"
#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define SECRET_CHARS ALNUM "+/"

/* The shapes AWS uses, so SDKs and tools accept them unchanged. */
#define ACCESS_KEY_ID_PREFIX "AKIA"
#define ACCESS_KEY_ID_LEN 20
#define SECRET_KEY_LEN 40
#define POOL_SUFFIX_LEN 9
#define CLIENT_ID_LEN 26

struct _KsServerDataDir
{
  GObject parent_instance;

  char *path;
  char *db_path;
  char *objects_path;

  char     *region;
  char     *user_pool_id;
  char     *client_id;
  char     *access_key_id;
  char     *secret_access_key;
  KsRsaKey *signing_key;

  int lock_fd; /* -1 unless locked */
};

G_DEFINE_FINAL_TYPE (KsServerDataDir, ks_server_data_dir, G_TYPE_OBJECT)

static void
ks_server_data_dir_finalize (GObject *object)
{
  KsServerDataDir *self = (KsServerDataDir *) object;

  if (self->lock_fd >= 0)
    close (self->lock_fd);
  g_free (self->path);
  g_free (self->db_path);
  g_free (self->objects_path);
  g_free (self->region);
  g_free (self->user_pool_id);
  g_free (self->client_id);
  g_free (self->access_key_id);
  g_free (self->secret_access_key);
  g_clear_pointer (&self->signing_key, ks_rsa_key_unref);

  G_OBJECT_CLASS (ks_server_data_dir_parent_class)->finalize (object);
}

static void
ks_server_data_dir_class_init (KsServerDataDirClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_server_data_dir_finalize;
}

static void
ks_server_data_dir_init (KsServerDataDir *self)
{
  self->lock_fd = -1;
}

/* Uniform over @alphabet: bytes past the last whole multiple of its
 * length are dropped instead of folded in with a modulo bias. */
static char *
random_string (const char *alphabet,
               gsize       len)
{
  gsize    n = strlen (alphabet);
  guint    limit = 256 - 256 % n;
  GString *out = g_string_sized_new (len);

  while (out->len < len)
    {
      guint8 buf[64];

      ks_random_bytes (buf, sizeof buf);
      for (gsize i = 0; i < sizeof buf && out->len < len; i++)
        {
          if (buf[i] < limit)
            g_string_append_c (out, alphabet[buf[i] % n]);
        }
    }

  return g_string_free (out, FALSE);
}

static gboolean
consists_of (const char *text,
             const char *alphabet)
{
  return text != NULL && *text != '\0' && text[strspn (text, alphabet)] == '\0';
}

static gboolean
is_valid_region (const char *region)
{
  return consists_of (region, "abcdefghijklmnopqrstuvwxyz0123456789-") &&
         g_ascii_isalpha (region[0]) && strlen (region) <= 32;
}

static gboolean
set_corrupt_error (const char *file,
                   const char *why,
                   GError    **error)
{
  g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_CORRUPT,
               "%s is corrupt (%s); restore it from a backup or move it away", file, why);
  return FALSE;
}

/* Reads @file into @out_contents, or sets it to NULL if there is none. */
static gboolean
read_optional_file (const char *file,
                    char      **out_contents,
                    GError    **error)
{
  g_autoptr (GError) local_error = NULL;

  *out_contents = NULL;
  if (g_file_get_contents (file, out_contents, NULL, &local_error))
    return TRUE;
  if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return TRUE;

  g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATA_DIR,
               "cannot read %s: %s", file, local_error->message);
  return FALSE;
}

/* Atomic (write, fsync, rename), so a crash leaves the old file or the
 * new one, never half of one. */
static gboolean
write_private_file (const char *file,
                    const char *contents,
                    GError    **error)
{
  g_autoptr (GError) local_error = NULL;

  if (g_file_set_contents_full (file, contents, -1,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                0600, &local_error))
    return TRUE;

  g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATA_DIR,
               "cannot write %s: %s", file, local_error->message);
  return FALSE;
}

static gboolean
write_json_file (const char *file,
                 JsonObject *object,
                 GError    **error)
{
  g_autoptr (JsonNode) root = json_node_init_object (json_node_alloc (), object);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  g_autofree char *with_newline = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  with_newline = g_strconcat (text, "\n", NULL);

  return write_private_file (file, with_newline, error);
}

static JsonObject *
parse_json_object (const char *file,
                   const char *contents,
                   GError    **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, contents, -1, &local_error))
    {
      set_corrupt_error (file, local_error->message, error);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      set_corrupt_error (file, "not a JSON object", error);
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/* NULL unless @name is present and a string. */
static char *
dup_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return g_strdup (json_node_get_string (node));
}

static gboolean
prepare_directory (const char *path,
                   GError    **error)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATA_DIR,
                   "%s is not a directory", path);
      return FALSE;
    }

  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATA_DIR,
                   "cannot create directory %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  if (access (path, W_OK | X_OK) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATA_DIR,
                   "directory %s is not writable: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static gboolean
create_identity (KsServerDataDir *self,
                 const char      *file,
                 const char      *region,
                 GError         **error)
{
  g_autoptr (JsonObject) object = json_object_new ();
  g_autofree char *suffix = random_string (ALNUM, POOL_SUFFIX_LEN);

  self->region = g_strdup (region != NULL ? region : KS_SERVER_DEFAULT_REGION);
  self->user_pool_id = g_strconcat (self->region, "_", suffix, NULL);
  self->client_id = random_string (LOWER_ALNUM, CLIENT_ID_LEN);

  json_object_set_string_member (object, "region", self->region);
  json_object_set_string_member (object, "user_pool_id", self->user_pool_id);
  json_object_set_string_member (object, "client_id", self->client_id);

  return write_json_file (file, object, error);
}

static gboolean
parse_identity (KsServerDataDir *self,
                const char      *file,
                const char      *contents,
                GError         **error)
{
  g_autoptr (JsonObject) object = parse_json_object (file, contents, error);

  if (object == NULL)
    return FALSE;

  self->region = dup_string_member (object, "region");
  self->user_pool_id = dup_string_member (object, "user_pool_id");
  self->client_id = dup_string_member (object, "client_id");

  if (!is_valid_region (self->region))
    return set_corrupt_error (file, "bad \"region\"", error);
  if (self->user_pool_id == NULL ||
      !g_str_has_prefix (self->user_pool_id, self->region) ||
      self->user_pool_id[strlen (self->region)] != '_' ||
      !consists_of (self->user_pool_id + strlen (self->region) + 1, ALNUM))
    return set_corrupt_error (file, "bad \"user_pool_id\"", error);
  if (!consists_of (self->client_id, ALNUM) || strlen (self->client_id) > 128)
    return set_corrupt_error (file, "bad \"client_id\"", error);

  return TRUE;
}

/* Region, pool id and client id end up in every token and every SigV4
 * scope, so they are chosen once and never change behind the clients. */
static gboolean
load_identity (KsServerDataDir *self,
               const char      *region,
               GError         **error)
{
  g_autofree char *file = g_build_filename (self->path, SERVER_FILE, NULL);
  g_autofree char *contents = NULL;

  if (!read_optional_file (file, &contents, error))
    return FALSE;
  if (contents == NULL)
    return create_identity (self, file, region, error);
  if (!parse_identity (self, file, contents, error))
    return FALSE;

  if (region != NULL && g_strcmp0 (region, self->region) != 0)
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                   "%s was set up for region %s, not %s", self->path, self->region, region);
      return FALSE;
    }

  return TRUE;
}

static gboolean
create_s3_credentials (KsServerDataDir *self,
                       const char      *file,
                       GError         **error)
{
  g_autoptr (JsonObject) object = json_object_new ();
  g_autofree char *random_part = random_string (UPPER_ALNUM,
                                                ACCESS_KEY_ID_LEN - strlen (ACCESS_KEY_ID_PREFIX));

  self->access_key_id = g_strconcat (ACCESS_KEY_ID_PREFIX, random_part, NULL);
  self->secret_access_key = random_string (SECRET_CHARS, SECRET_KEY_LEN);

  json_object_set_string_member (object, "access_key_id", self->access_key_id);
  json_object_set_string_member (object, "secret_access_key", self->secret_access_key);

  return write_json_file (file, object, error);
}

static gboolean
load_s3_credentials (KsServerDataDir *self,
                     GError         **error)
{
  g_autofree char *file = g_build_filename (self->path, S3_CREDENTIALS_FILE, NULL);
  g_autofree char *contents = NULL;
  g_autoptr (JsonObject) object = NULL;

  if (!read_optional_file (file, &contents, error))
    return FALSE;
  if (contents == NULL)
    return create_s3_credentials (self, file, error);
  if ((object = parse_json_object (file, contents, error)) == NULL)
    return FALSE;

  self->access_key_id = dup_string_member (object, "access_key_id");
  self->secret_access_key = dup_string_member (object, "secret_access_key");

  if (!consists_of (self->access_key_id, UPPER_ALNUM) || strlen (self->access_key_id) < 16)
    return set_corrupt_error (file, "bad \"access_key_id\"", error);
  if (!consists_of (self->secret_access_key, SECRET_CHARS) ||
      strlen (self->secret_access_key) < 32)
    return set_corrupt_error (file, "bad \"secret_access_key\"", error);

  return TRUE;
}

static gboolean
create_signing_key (KsServerDataDir *self,
                    const char      *file,
                    GError         **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *pem = NULL;

  self->signing_key = ks_rsa_key_generate (&local_error);
  if (self->signing_key == NULL)
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_FAILED,
                   "cannot generate a signing key: %s", local_error->message);
      return FALSE;
    }

  pem = ks_rsa_key_to_private_pem (self->signing_key);
  return write_private_file (file, pem, error);
}

static gboolean
load_signing_key (KsServerDataDir *self,
                  GError         **error)
{
  g_autofree char *file = g_build_filename (self->path, SIGNING_KEY_FILE, NULL);
  g_autofree char *pem = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!read_optional_file (file, &pem, error))
    return FALSE;
  if (pem == NULL)
    return create_signing_key (self, file, error);

  self->signing_key = ks_rsa_key_new_from_pem (pem, &local_error);
  if (self->signing_key == NULL)
    return set_corrupt_error (file, local_error->message, error);
  if (!ks_rsa_key_has_private (self->signing_key))
    return set_corrupt_error (file, "it holds no private key", error);

  return TRUE;
}

/**
 * ks_server_data_dir_open:
 * @path: the data directory; created (0700) with its parents if missing
 * @region: (nullable): the region for a new data directory; for an
 *   existing one it must match, %NULL accepts any
 * @error: a #KS_SERVER_ERROR
 *
 * Creates whatever is missing (identity, S3 credentials, signing key,
 * object directory) and loads the rest, refusing damaged files. The
 * database is opened separately, by #KsServerDb.
 */
KsServerDataDir *
ks_server_data_dir_open (const char *path,
                         const char *region,
                         GError    **error)
{
  g_autoptr (KsServerDataDir) self = g_object_new (KS_TYPE_SERVER_DATA_DIR, NULL);

  g_return_val_if_fail (path != NULL, NULL);

  if (region != NULL && !is_valid_region (region))
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a region name", region);
      return NULL;
    }

  self->path = g_canonicalize_filename (path, NULL);
  self->db_path = g_build_filename (self->path, DB_FILE, NULL);
  self->objects_path = g_build_filename (self->path, OBJECTS_DIR, NULL);

  if (!prepare_directory (self->path, error) ||
      !prepare_directory (self->objects_path, error) ||
      !load_identity (self, region, error) ||
      !load_s3_credentials (self, error) ||
      !load_signing_key (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * ks_server_data_dir_lock:
 *
 * Makes sure no second server runs on the same data directory. The lock
 * goes away with the object or the process, even after kill -9.
 */
gboolean
ks_server_data_dir_lock (KsServerDataDir *self,
                         GError         **error)
{
  g_autofree char *file = NULL;
  int              saved_errno;
  int              fd;

  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), FALSE);
  g_return_val_if_fail (self->lock_fd < 0, FALSE);

  file = g_build_filename (self->path, LOCK_FILE, NULL);
  fd = open (file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) == 0)
    {
      self->lock_fd = fd;
      return TRUE;
    }

  saved_errno = errno;
  if (fd >= 0)
    close (fd);

  if (saved_errno == EWOULDBLOCK)
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATA_DIR,
                 "%s is in use by another keepsake-server", self->path);
  else
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATA_DIR,
                 "cannot lock %s: %s", file, g_strerror (saved_errno));

  return FALSE;
}

const char *
ks_server_data_dir_get_path (KsServerDataDir *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), NULL);

  return self->path;
}

const char *
ks_server_data_dir_get_db_path (KsServerDataDir *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), NULL);

  return self->db_path;
}

const char *
ks_server_data_dir_get_objects_path (KsServerDataDir *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), NULL);

  return self->objects_path;
}

const char *
ks_server_data_dir_get_region (KsServerDataDir *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), NULL);

  return self->region;
}

const char *
ks_server_data_dir_get_user_pool_id (KsServerDataDir *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), NULL);

  return self->user_pool_id;
}

const char *
ks_server_data_dir_get_client_id (KsServerDataDir *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), NULL);

  return self->client_id;
}

const char *
ks_server_data_dir_get_bucket (KsServerDataDir *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), NULL);

  return KS_SERVER_BUCKET_NAME;
}

const char *
ks_server_data_dir_get_access_key_id (KsServerDataDir *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), NULL);

  return self->access_key_id;
}

const char *
ks_server_data_dir_get_secret_access_key (KsServerDataDir *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), NULL);

  return self->secret_access_key;
}

KsRsaKey *
ks_server_data_dir_get_signing_key (KsServerDataDir *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (self), NULL);

  return self->signing_key;
}
