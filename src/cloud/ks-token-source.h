/* ks-token-source.h: something that hands out access tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_TYPE_TOKEN_SOURCE (ks_token_source_get_type ())
G_DECLARE_INTERFACE (KsTokenSource, ks_token_source, KS, TOKEN_SOURCE, GObject)

/**
 * KsTokenSourceInterface:
 * @get_access_token_async: a valid access token. @rejected: (nullable)
 *   a token the API just refused with 401; if it is still the current
 *   one, refresh before answering. Many callers with the same rejected
 *   token cause one refresh, not many.
 *
 * KsSession implements this; the API client and the uploader only see
 * the interface, so tests can hand them tokens of their own.
 */
struct _KsTokenSourceInterface
{
  GTypeInterface parent_iface;

  void (*get_access_token_async) (KsTokenSource      *self,
                                  const char         *rejected,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data);
  char *(*get_access_token_finish) (KsTokenSource *self,
                                    GAsyncResult  *result,
                                    GError       **error);
};

void  ks_token_source_get_access_token_async (KsTokenSource      *self,
                                              const char         *rejected,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
char *ks_token_source_get_access_token_finish (KsTokenSource *self,
                                               GAsyncResult  *result,
                                               GError       **error);

G_END_DECLS
