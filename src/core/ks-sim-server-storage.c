/* ks-sim-server-storage.c: storage uploads and the files served
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-sim-server"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-sim-server-private.h"
#include "ks-json.h"

/* Uploads: POST /storage/upload/initiate answers an upload_url and the
 * file_url the bytes will have; the PUT to upload_url (no auth) stores
 * them under /files/uploads/. Result images live under /files/{id}/. */

void
_ks_sim_server_stored_file_free (gpointer data)
{
  StoredFile *file = data;

  g_clear_pointer (&file->bytes, g_bytes_unref);
  g_free (file->content_type);
  g_free (file->path);
  g_free (file);
}

StoredFile *
_ks_sim_server_stored_file_new (GBytes     *bytes,
                                const char *content_type)
{
  StoredFile *file = g_new0 (StoredFile, 1);

  file->bytes = bytes != NULL ? g_bytes_ref (bytes) : NULL;
  file->content_type = g_strdup (content_type);

  return file;
}

static char *
sanitize_file_name (const char *name)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name != NULL ? name : ""; *p != '\0'; p++)
    g_string_append_c (out, g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '_' ? *p : '_');

  if (out->len == 0 || out->str[0] == '.')
    g_string_prepend (out, "upload");

  return g_string_free (out, FALSE);
}

void
_ks_sim_server_handle_upload_initiate (KsSimServer       *self,
                                       SoupServerMessage *msg,
                                       KsSimFault         fault)
{
  g_autoptr(JsonNode) root = _ks_sim_server_read_json_object (msg);
  JsonObject *request = root != NULL ? json_node_get_object (root) : NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *token = g_uuid_string_random ();
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *upload_url = NULL;
  g_autofree char *file_url = NULL;
  g_autofree char *text = NULL;
  const char *content_type = NULL;
  StoredFile *pending;

  if (request != NULL)
    content_type = ks_json_get_string_member (request, "content_type");
  name = sanitize_file_name (request != NULL ? ks_json_get_string_member (request, "file_name") : NULL);

  path = g_strdup_printf ("/files/uploads/%s/%s", token, name);
  upload_url = g_strdup_printf ("%s/storage/upload/%s", self->base_url, token);
  file_url = g_strconcat (self->base_url, path, NULL);
  pending = _ks_sim_server_stored_file_new (NULL, content_type != NULL ? content_type : "application/octet-stream");
  pending->path = g_steal_pointer (&path);
  g_hash_table_replace (self->uploads, g_strdup (token), pending);

  json_builder_begin_object (builder);
  _ks_sim_server_add_string_member (builder, "upload_url", upload_url);
  _ks_sim_server_add_string_member (builder, "file_url", file_url);
  json_builder_end_object (builder);
  reply = json_builder_get_root (builder);
  text = _ks_sim_server_node_to_string (reply);

  _ks_sim_server_respond_text (self, msg, 200, text, fault);
}

void
_ks_sim_server_handle_upload_put (KsSimServer       *self,
                                  SoupServerMessage *msg,
                                  const char        *token,
                                  KsSimFault         fault)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  StoredFile *pending = g_hash_table_lookup (self->uploads, token);
  const char *content_type;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) empty = NULL;

  if (pending == NULL)
    {
      _ks_sim_server_respond_detail (self, msg, 404, "Upload not found", KS_SIM_FAULT_NONE);
      return;
    }

  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (content_type == NULL)
    content_type = pending->content_type;

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_hash_table_replace (self->files, g_strdup (pending->path), _ks_sim_server_stored_file_new (body, content_type));

  empty = g_bytes_new_static ("", 0);
  _ks_sim_server_respond (self, msg, 200, "text/plain", empty, fault);
}

void
_ks_sim_server_handle_file (KsSimServer       *self,
                            SoupServerMessage *msg,
                            const char        *path,
                            KsSimFault         fault)
{
  StoredFile *file = g_hash_table_lookup (self->files, path);

  if (file == NULL)
    {
      _ks_sim_server_respond_detail (self, msg, 404, "File not found", KS_SIM_FAULT_NONE);
      return;
    }

  _ks_sim_server_respond (self, msg, 200, file->content_type, file->bytes, fault);
}
