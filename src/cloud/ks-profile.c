/* ks-profile.c: profiles.ini and server discovery
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "ks-cloud-error.h"
#include "ks-cloud-private.h"
#include "ks-host.h"
#include "ks-json.h"
#include "ks-profile.h"

#define PROFILES_FILE "profiles.ini"
#define DISCOVERY_PATH "/.well-known/keepsake.json"
#define DISCOVERY_MAX_SIZE (64 * 1024)
#define DISCOVERY_MAX_DEPTH 8

KsProfile *
ks_profile_new (const char         *name,
                const char         *url,
                const KsServerInfo *server)
{
  KsProfile *self = g_new0 (KsProfile, 1);

  self->name = g_strdup (name);
  self->url = g_strdup (url);
  self->server = ks_server_info_copy (server);
  self->token_store = KS_TOKEN_STORE_SECRET_SERVICE;
  return self;
}

KsProfile *
ks_profile_copy (const KsProfile *self)
{
  KsProfile *copy;

  if (self == NULL)
    return NULL;

  copy = ks_profile_new (self->name, self->url, self->server);
  copy->username = g_strdup (self->username);
  copy->token_store = self->token_store;
  return copy;
}

void
ks_profile_free (KsProfile *self)
{
  if (self == NULL)
    return;

  g_free (self->name);
  g_free (self->url);
  ks_server_info_free (self->server);
  g_free (self->username);
  g_free (self);
}

gboolean
ks_profile_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL || name[0] == '.' || name[0] == '\0')
    return FALSE;

  len = strlen (name);
  if (len > 64)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
      return FALSE;

  return TRUE;
}

char *
ks_profile_default_config_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), "keepsake", NULL);
}

static char *
profiles_path (const char *config_dir)
{
  g_autofree char *dir = config_dir != NULL ? g_strdup (config_dir) : ks_profile_default_config_dir ();

  return g_build_filename (dir, PROFILES_FILE, NULL);
}

static gboolean
config_error (GError    **error,
              const char *path,
              GError     *detail)
{
  g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
               _ ("The profile file %s cannot be used: %s"), path, detail->message);
  g_error_free (detail);
  return FALSE;
}

/* A missing file is an empty one. */
static GKeyFile *
load_key_file (const char *config_dir,
               GError    **error)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autofree char *path = profiles_path (config_dir);
  GError          *local_error = NULL;

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          config_error (error, path, local_error);
          return NULL;
        }
      g_error_free (local_error);
    }

  return g_steal_pointer (&key_file);
}

static gboolean
write_key_file (GKeyFile   *key_file,
                const char *config_dir,
                GError    **error)
{
  g_autofree char *path = profiles_path (config_dir);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize            len = 0;
  GError          *local_error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("The folder %s cannot be created: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  data = g_key_file_to_data (key_file, &len, NULL);
  if (!g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &local_error))
    return config_error (error, path, local_error);

  return TRUE;
}

static gboolean
check_name (const char *name,
            GError    **error)
{
  if (ks_profile_name_is_valid (name))
    return TRUE;

  g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
               _ ("“%s” is not a valid profile name: use letters, digits, “.”, “_” and “-”."),
               name != NULL ? name : "");
  return FALSE;
}

static char *
get_key (GKeyFile   *key_file,
         const char *group,
         const char *key,
         gboolean    required,
         GError    **error)
{
  char *value = g_key_file_get_string (key_file, group, key, NULL);

  if (value == NULL && required)
    g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                 _ ("The profile “%s” is incomplete (no “%s”)."), group, key);
  return value;
}

/* The rules of the server's password policy a profile can name. */
static const struct
{
  const char *name;
  glong       offset;
} password_rules[] = {
  { "uppercase", G_STRUCT_OFFSET (KsPasswordPolicy, require_uppercase) },
  { "lowercase", G_STRUCT_OFFSET (KsPasswordPolicy, require_lowercase) },
  { "numbers", G_STRUCT_OFFSET (KsPasswordPolicy, require_numbers) },
  { "symbols", G_STRUCT_OFFSET (KsPasswordPolicy, require_symbols) },
};

/* Only a hint for forms (the server decides): one the file does not
 * state, or states wrongly, is unknown. */
static KsPasswordPolicy *
load_password_policy (GKeyFile   *key_file,
                      const char *group)
{
  g_autofree KsPasswordPolicy *policy = g_new0 (KsPasswordPolicy, 1);
  g_auto (GStrv) rules = NULL;
  g_autoptr (GError) error = NULL;
  gint64 minimum_length;

  if (!g_key_file_has_key (key_file, group, "password_minimum_length", NULL))
    return NULL;
  minimum_length = g_key_file_get_int64 (key_file, group, "password_minimum_length", &error);
  rules = g_key_file_get_string_list (key_file, group, "password_requires", NULL, NULL);
  if (error != NULL || minimum_length < 0 || minimum_length > 256)
    {
      g_debug ("Profile %s: password_minimum_length is not a length", group);
      return NULL;
    }

  policy->minimum_length = (guint) minimum_length;
  for (guint i = 0; i < G_N_ELEMENTS (password_rules); i++)
    G_STRUCT_MEMBER (gboolean, policy, password_rules[i].offset) =
        rules != NULL && g_strv_contains ((const char *const *) rules, password_rules[i].name);
  return g_steal_pointer (&policy);
}

static void
save_password_policy (GKeyFile               *key_file,
                      const char             *group,
                      const KsPasswordPolicy *policy)
{
  g_autoptr (GPtrArray) rules = g_ptr_array_new ();

  if (policy == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (password_rules); i++)
    if (G_STRUCT_MEMBER (gboolean, policy, password_rules[i].offset))
      g_ptr_array_add (rules, (gpointer) password_rules[i].name);
  g_key_file_set_int64 (key_file, group, "password_minimum_length", policy->minimum_length);
  g_key_file_set_string_list (key_file, group, "password_requires", (const char *const *) rules->pdata,
                              rules->len);
}

KsProfile *
ks_profile_load (const char *config_dir,
                 const char *name,
                 GError    **error)
{
  g_autoptr (GKeyFile) key_file = NULL;
  g_autoptr (KsProfile) profile = NULL;
  g_autofree char *store = NULL;
  KsServerInfo    *server;

  if (!check_name (name, error) || (key_file = load_key_file (config_dir, error)) == NULL)
    return NULL;

  if (!g_key_file_has_group (key_file, name))
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("There is no profile named “%s”."), name);
      return NULL;
    }

  profile = g_new0 (KsProfile, 1);
  profile->name = g_strdup (name);
  profile->server = server = g_new0 (KsServerInfo, 1);
  if ((profile->url = get_key (key_file, name, "url", TRUE, error)) == NULL ||
      (server->api_url = get_key (key_file, name, "api_url", TRUE, error)) == NULL ||
      (server->cognito_endpoint = get_key (key_file, name, "cognito_endpoint", TRUE, error)) == NULL ||
      (server->region = get_key (key_file, name, "region", TRUE, error)) == NULL ||
      (server->user_pool_id = get_key (key_file, name, "user_pool_id", TRUE, error)) == NULL ||
      (server->client_id = get_key (key_file, name, "client_id", TRUE, error)) == NULL)
    return NULL;

  if (!ks_cloud_check_url (server->api_url, _ ("API address"), error) ||
      !ks_cloud_check_url (server->cognito_endpoint, _ ("sign-in address"), error))
    return NULL;

  server->password_policy = load_password_policy (key_file, name);
  profile->username = get_key (key_file, name, "username", FALSE, NULL);
  store = get_key (key_file, name, "token_store", FALSE, NULL);
  if (g_strcmp0 (store, "file") == 0)
    profile->token_store = KS_TOKEN_STORE_FILE;
  else if (store == NULL || g_str_equal (store, "secret-service"))
    profile->token_store = KS_TOKEN_STORE_SECRET_SERVICE;
  else
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("The profile “%s” names an unknown token store “%s”."), name, store);
      return NULL;
    }

  return g_steal_pointer (&profile);
}

gboolean
ks_profile_save (const KsProfile *profile,
                 const char      *config_dir,
                 GError         **error)
{
  g_autoptr (GKeyFile) key_file = NULL;
  const KsServerInfo *server;
  const char         *name;

  g_return_val_if_fail (profile != NULL && profile->server != NULL, FALSE);

  name = profile->name;
  server = profile->server;
  if (!check_name (name, error) || (key_file = load_key_file (config_dir, error)) == NULL)
    return FALSE;

  /* Rewritten whole, so keys an older version left behind go away. */
  g_key_file_remove_group (key_file, name, NULL);
  g_key_file_set_string (key_file, name, "url", profile->url != NULL ? profile->url : "");
  g_key_file_set_string (key_file, name, "api_url", server->api_url);
  g_key_file_set_string (key_file, name, "cognito_endpoint", server->cognito_endpoint);
  g_key_file_set_string (key_file, name, "region", server->region);
  g_key_file_set_string (key_file, name, "user_pool_id", server->user_pool_id);
  g_key_file_set_string (key_file, name, "client_id", server->client_id);
  save_password_policy (key_file, name, server->password_policy);
  if (profile->username != NULL)
    g_key_file_set_string (key_file, name, "username", profile->username);
  g_key_file_set_string (key_file, name, "token_store",
                         profile->token_store == KS_TOKEN_STORE_FILE ? "file" : "secret-service");

  return write_key_file (key_file, config_dir, error);
}

gboolean
ks_profile_remove (const char *config_dir,
                   const char *name,
                   GError    **error)
{
  g_autoptr (GKeyFile) key_file = NULL;

  if (!check_name (name, error) || (key_file = load_key_file (config_dir, error)) == NULL)
    return FALSE;

  if (!g_key_file_remove_group (key_file, name, NULL))
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("There is no profile named “%s”."), name);
      return FALSE;
    }

  return write_key_file (key_file, config_dir, error);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

GStrv
ks_profile_list (const char *config_dir,
                 GError    **error)
{
  g_autoptr (GKeyFile) key_file = load_key_file (config_dir, error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) groups = NULL;

  if (key_file == NULL)
    return NULL;

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (ks_profile_name_is_valid (groups[i]))
      g_ptr_array_add (names, g_strdup (groups[i]));

  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

/* ---- Discovery ---- */

static char *
discovery_url (const char *url)
{
  g_autofree char *base = g_strdup (url);
  gsize            len = strlen (base);

  if (g_str_has_suffix (base, DISCOVERY_PATH))
    return g_steal_pointer (&base);

  while (len > 0 && base[len - 1] == '/')
    base[--len] = '\0';
  return g_strconcat (base, DISCOVERY_PATH, NULL);
}

static void
discover_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *final_url = NULL;
  KsServerInfo    *info;
  guint            status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      g_task_return_error (task, ks_cloud_error_from_transport (error));
      return;
    }

  /* A redirect must not lead from https to plain http. */
  final_url = g_uri_to_string (soup_message_get_uri (msg));
  if (!ks_cloud_check_url (final_url, _ ("server address"), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK)
    {
      g_debug ("Discovery: HTTP %u", status);
      g_task_return_new_error (task, KS_CLOUD_ERROR,
                               status >= 500 ? KS_CLOUD_ERROR_SERVER : KS_CLOUD_ERROR_CONFIG,
                               _ ("The server did not describe itself (HTTP %u): check the address."),
                               status);
      return;
    }
  if (g_bytes_get_size (body) > DISCOVERY_MAX_SIZE)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                               _ ("The server’s discovery document is too large."));
      return;
    }

  root = ks_json_parse_strict (g_bytes_get_size (body) > 0 ? g_bytes_get_data (body, NULL) : "",
                               g_bytes_get_size (body),
                               DISCOVERY_MAX_DEPTH, &error);
  if (root == NULL)
    {
      g_debug ("Discovery: %s", error->message);
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                               _ ("The server’s discovery document is not valid JSON: it is not "
                                  "a Keepsake server."));
      return;
    }

  info = ks_server_info_new_from_json (root, &error);
  if (info == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, (GDestroyNotify) ks_server_info_free);
}

char *
ks_profile_url_from_address (const char *address)
{
  g_autofree char *text = g_strstrip (g_strdup (address));
  g_autofree char *https = NULL;
  g_autoptr (GUri) uri = NULL;

  if (strstr (text, "://") != NULL)
    return g_steal_pointer (&text);

  https = g_strconcat ("https://", text, NULL);
  uri = g_uri_parse (https, G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_host (uri) != NULL && ks_host_is_loopback (g_uri_get_host (uri)))
    return g_strconcat ("http://", text, NULL);
  return g_steal_pointer (&https);
}

void
ks_discover_async (SoupSession        *session,
                   const char         *url,
                   GCancellable       *cancellable,
                   GAsyncReadyCallback callback,
                   gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *full_url = NULL;
  SoupMessage     *msg;
  GError          *error = NULL;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (url != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_discover_async);

  full_url = discovery_url (url);
  if (!ks_cloud_check_url (url, _ ("server address"), &error) ||
      !ks_cloud_check_url (full_url, _ ("server address"), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  msg = soup_message_new (SOUP_METHOD_GET, full_url);
  if (msg == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                               _ ("The server address “%s” is not a web address."), url);
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/json");
  g_task_set_task_data (task, msg, g_object_unref);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    discover_read_cb, g_steal_pointer (&task));
}

KsServerInfo *
ks_discover_finish (GAsyncResult *result,
                    GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_discover_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* libsoup's default of two connections a host would queue the sync's
 * three uploads (each sends its original and two thumbnails at once)
 * and the album cache's downloads behind each other: on a line with a
 * round trip of 20 ms that halved throughput. Twelve a host leaves room
 * for those and the API calls beside them; the API and the bucket are
 * two hosts on AWS. */
#define MAX_CONNS_PER_HOST 12

SoupSession *
ks_cloud_soup_session_new (void)
{
  return soup_session_new_with_options ("user-agent", "Keepsake/" PACKAGE_VERSION " ",
                                        "timeout", 60,
                                        "idle-timeout", 60,
                                        "max-conns-per-host", MAX_CONNS_PER_HOST,
                                        "max-conns", 2 * MAX_CONNS_PER_HOST,
                                        NULL);
}
