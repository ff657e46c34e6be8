/* SPDX-License-Identifier: ISC */
/* The in-image asset bundle: static files generated at build time from web/assets/. */
#ifndef WEB_ASSETS_H
#define WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
    const char *path; /* "/index.html" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
    const unsigned char *gz; /* gzip-compressed copy, or NULL when compression would not help */
    size_t gz_len;
    const char *etag; /* strong validator, quoted */
};

extern const struct web_asset web_assets[];
extern const unsigned web_asset_count;

/* The asset at path ("/" means "/index.html"), or NULL. */
const struct web_asset *web_asset_find(const char *path);

#endif
