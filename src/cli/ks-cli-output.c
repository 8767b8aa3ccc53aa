/* ks-cli-output.c: errors, tables and JSON on the terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"

#include <stdio.h>

static gboolean
is_network_io_error (const GError *error)
{
  static const GIOErrorEnum codes[] = {
    G_IO_ERROR_CONNECTION_REFUSED,
    G_IO_ERROR_HOST_UNREACHABLE,
    G_IO_ERROR_NETWORK_UNREACHABLE,
    G_IO_ERROR_TIMED_OUT,
    G_IO_ERROR_CONNECTION_CLOSED,
    G_IO_ERROR_BROKEN_PIPE,
  };

  if (error->domain == G_RESOLVER_ERROR)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (g_error_matches (error, G_IO_ERROR, codes[i]))
      return TRUE;
  return FALSE;
}

static int
exit_code_for_cloud_error (int code)
{
  switch ((KsCloudError) code)
    {
    case KS_CLOUD_ERROR_NETWORK:
    case KS_CLOUD_ERROR_SERVER:
    case KS_CLOUD_ERROR_THROTTLED:
      return KS_CLI_EXIT_NETWORK;
    case KS_CLOUD_ERROR_NOT_SIGNED_IN:
    case KS_CLOUD_ERROR_WRONG_PASSWORD:
    case KS_CLOUD_ERROR_UNAUTHORIZED:
    case KS_CLOUD_ERROR_USER_NOT_FOUND:
    case KS_CLOUD_ERROR_USER_NOT_CONFIRMED:
      return KS_CLI_EXIT_AUTH;
    case KS_CLOUD_ERROR_FAILED:
    case KS_CLOUD_ERROR_PROTOCOL:
    case KS_CLOUD_ERROR_BAD_REQUEST:
    case KS_CLOUD_ERROR_FORBIDDEN:
    case KS_CLOUD_ERROR_NOT_FOUND:
    case KS_CLOUD_ERROR_CONFLICT:
    case KS_CLOUD_ERROR_GONE:
    case KS_CLOUD_ERROR_PRECONDITION:
    case KS_CLOUD_ERROR_TOO_LARGE:
    case KS_CLOUD_ERROR_USERNAME_EXISTS:
    case KS_CLOUD_ERROR_INVALID_PASSWORD:
    case KS_CLOUD_ERROR_CODE_MISMATCH:
    case KS_CLOUD_ERROR_CODE_EXPIRED:
    case KS_CLOUD_ERROR_INVALID_PARAMETER:
    case KS_CLOUD_ERROR_EMAIL_REQUIRED:
    case KS_CLOUD_ERROR_AUTH_FLOW:
    case KS_CLOUD_ERROR_NO_SECRET_SERVICE:
    case KS_CLOUD_ERROR_CONFIG:
    case KS_CLOUD_ERROR_FILE_CHANGED:
    case KS_CLOUD_ERROR_CHECKSUM:
    case KS_CLOUD_ERROR_URL_EXPIRED:
    default:
      return KS_CLI_EXIT_FAILURE;
    }
}

int
ks_cli_exit_code_for_error (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return KS_CLI_EXIT_INTERRUPTED;
  if (g_error_matches (error, KS_CLI_ERROR, KS_CLI_ERROR_USAGE))
    return KS_CLI_EXIT_USAGE;
  if (error->domain == KS_CLOUD_ERROR)
    return exit_code_for_cloud_error (error->code);
  if (is_network_io_error (error))
    return KS_CLI_EXIT_NETWORK;
  return KS_CLI_EXIT_FAILURE;
}

/* One line ending in a full stop, whatever the library said. */
char *
ks_cli_error_sentence (const GError *error)
{
  GString *text;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_strdup (_ ("Interrupted."));
  if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NO_SECRET_SERVICE))
    return g_strdup (_ ("No keyring is available to keep you signed in: start GNOME Keyring or another "
                        "Secret Service, or keep the sign-in in a file with --token-store=file."));

  text = g_string_new (error->message);
  g_strstrip (text->str);
  g_string_set_size (text, strlen (text->str));
  for (gsize i = 0; i < text->len; i++)
    if (text->str[i] == '\n' || text->str[i] == '\r' || text->str[i] == '\t')
      text->str[i] = ' ';
  if (text->len == 0)
    g_string_append (text, _ ("Something went wrong"));
  if (strchr (".!?", text->str[text->len - 1]) == NULL)
    g_string_append_c (text, '.');

  return g_string_free (text, FALSE);
}

int
ks_cli_fail (const GError *error)
{
  g_autofree char *sentence = ks_cli_error_sentence (error);

  g_debug ("%s error %d", g_quark_to_string (error->domain), error->code);
  g_printerr ("keepsake-cli: %s\n", sentence);
  return ks_cli_exit_code_for_error (error);
}

void
ks_cli_fail_item (const char   *item,
                  const GError *error)
{
  g_autofree char *sentence = ks_cli_error_sentence (error);

  g_debug ("%s error %d", g_quark_to_string (error->domain), error->code);
  g_printerr ("keepsake-cli: %s: %s\n", item, sentence);
}

void
ks_cli_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

void
ks_cli_print_table (GPtrArray *rows)
{
  g_autoptr (GArray) widths = g_array_new (FALSE, TRUE, sizeof (glong));

  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);

      for (guint c = 0; row[c] != NULL; c++)
        {
          glong len = g_utf8_strlen (row[c], -1);

          if (c >= widths->len)
            g_array_set_size (widths, c + 1);
          g_array_index (widths, glong, c) = MAX (g_array_index (widths, glong, c), len);
        }
    }

  for (guint r = 0; r < rows->len; r++)
    {
      char   **row = g_ptr_array_index (rows, r);
      GString *line = g_string_new (NULL);

      for (guint c = 0; row[c] != NULL; c++)
        {
          g_string_append (line, row[c]);
          if (row[c + 1] == NULL)
            break;
          for (glong pad = g_utf8_strlen (row[c], -1); pad < g_array_index (widths, glong, c) + 2; pad++)
            g_string_append_c (line, ' ');
        }
      g_print ("%s\n", line->str);
      g_string_free (line, TRUE);
    }
}

JsonObject *
ks_cli_json_root (JsonNode **out_node)
{
  JsonObject *object = json_object_new ();

  *out_node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (*out_node, object);
  return object;
}

static void
set_string_or_null (JsonObject *object,
                    const char *name,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

JsonNode *
ks_cli_album_to_json (const KsAlbum *album)
{
  JsonNode   *node;
  JsonObject *object = ks_cli_json_root (&node);

  json_object_set_string_member (object, "id", album->id);
  json_object_set_string_member (object, "name", album->name);
  set_string_or_null (object, "owner", album->owner);
  set_string_or_null (object, "role", album->role);
  json_object_set_int_member (object, "photo_count", album->photo_count);
  set_string_or_null (object, "created_at", album->created_at);
  set_string_or_null (object, "updated_at", album->updated_at);
  return node;
}

JsonNode *
ks_cli_member_to_json (const KsMember *member)
{
  JsonNode   *node;
  JsonObject *object = ks_cli_json_root (&node);

  json_object_set_string_member (object, "username", member->username);
  json_object_set_string_member (object, "role", member->role);
  set_string_or_null (object, "added_at", member->added_at);
  return node;
}

JsonNode *
ks_cli_link_to_json (const KsLink *link)
{
  JsonNode   *node;
  JsonObject *object = ks_cli_json_root (&node);

  json_object_set_string_member (object, "id", link->id);
  set_string_or_null (object, "url", link->url);
  set_string_or_null (object, "token", link->token);
  set_string_or_null (object, "created_at", link->created_at);
  set_string_or_null (object, "expires_at", link->expires_at);
  json_object_set_boolean_member (object, "expired", link->expired);
  return node;
}

JsonNode *
ks_cli_photo_to_json (const KsPhoto     *photo,
                      const char *const *album_ids)
{
  JsonNode   *node;
  JsonObject *object = ks_cli_json_root (&node);
  JsonArray  *albums = json_array_new ();

  json_object_set_string_member (object, "id", photo->id);
  set_string_or_null (object, "file_name", photo->file_name);
  set_string_or_null (object, "sha256", photo->sha256);
  json_object_set_int_member (object, "size", photo->size);
  set_string_or_null (object, "content_type", photo->content_type);
  json_object_set_int_member (object, "width", photo->width);
  json_object_set_int_member (object, "height", photo->height);
  set_string_or_null (object, "taken_at", photo->taken_at);
  if (photo->owner != NULL)
    json_object_set_string_member (object, "owner", photo->owner);
  if (photo->added_by != NULL)
    json_object_set_string_member (object, "added_by", photo->added_by);
  for (guint i = 0; album_ids != NULL && album_ids[i] != NULL; i++)
    json_array_add_string_element (albums, album_ids[i]);
  json_object_set_array_member (object, "album_ids", albums);
  return node;
}
