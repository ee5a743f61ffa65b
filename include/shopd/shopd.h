/* The C API of shopd: the whole shop in-process, for any language with a C FFI.
 *
 *   shopd* shop = NULL;
 *   char* error = NULL;
 *   if (shopd_start("[storage]\nmemory = true\n", &shop, &error) != 0) { ...; shopd_free(error); }
 *   int status = 0; char* body = NULL; size_t length = 0;
 *   shopd_request(shop, "GET", "/api/products", NULL, 0, &status, &body, &length);
 *   shopd_free(body);
 *   shopd_stop(shop);
 *
 * Every function may be called from any thread but one of shopd's own. Strings shopd returns
 * are NUL-terminated and freed with shopd_free. */
#ifndef SHOPD_SHOPD_H
#define SHOPD_SHOPD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* In C++ the name shopd is taken by the namespace of the C++ API, so there the same handle is
   called shopd_handle; the functions have C linkage, which does not name the type. */
#ifdef __cplusplus
typedef struct shopd_handle shopd_handle;
#define SHOPD_HANDLE shopd_handle
#else
typedef struct shopd shopd;
#define SHOPD_HANDLE shopd
#endif

/* config_toml: settings as in config/shopd.toml (NULL or "" for the defaults; nothing is read
   from the environment). Returns 0 and *out once shopd is ready, else non-zero and *error. */
int shopd_start(const char* config_toml, SHOPD_HANDLE** out, char** error);

/* The port bound; 0 when server.listen is "" (no socket). */
unsigned short shopd_port(const SHOPD_HANDLE* s);

/* One HTTP request answered in-process, no socket. path: the target, e.g. "/api/orders?limit=5".
   A body (body_len bytes, may be NULL when 0) is sent as application/json. Returns 0 with
   *status, *response (the body, NUL-terminated) and *response_len; non-zero with *response
   holding the reason when the request could not be made (a NULL shop, method or path). */
int shopd_request(SHOPD_HANDLE* s, const char* method, const char* path, const char* body,
                  size_t body_len, int* status, char** response, size_t* response_len);

/* The same with request headers ("Name: value", the array ended by NULL; a body's
   Content-Type is application/json unless one is given) and the answer's headers, one
   "Name: value\r\n" each in *response_headers (may be NULL: not wanted). */
int shopd_request_headers(SHOPD_HANDLE* s, const char* method, const char* path,
                          const char* const* headers, const char* body, size_t body_len,
                          int* status, char** response_headers, char** response,
                          size_t* response_len);

/* 1 once no unit of work, message or outgoing call is under way; 0 when timeout_ms passed
   first (or s is NULL). */
int shopd_wait_idle(SHOPD_HANDLE* s, int timeout_ms);

/* shopd's version, e.g. "0.1.0"; not to be freed. */
const char* shopd_version(void);

/* Graceful stop: requests under way are answered, queued work finished; frees s. */
void shopd_stop(SHOPD_HANDLE* s);

/* Frees a string shopd returned; NULL is ignored. */
void shopd_free(void* p);

#ifdef __cplusplus
}
#endif

#endif
