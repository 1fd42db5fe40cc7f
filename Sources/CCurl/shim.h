#ifndef MODELFLEET_CCURL_SHIM_H
#define MODELFLEET_CCURL_SHIM_H
#include <curl/curl.h>

/// curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them directly,
/// so each argument type gets a typed wrapper.
static inline CURLcode modelfleet_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode modelfleet_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode modelfleet_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode modelfleet_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode modelfleet_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
typedef size_t (*modelfleet_curl_data_callback)(char *data, size_t size, size_t count, void *context);

/// Write and header callbacks are function pointers passed through the variadic setopt.
static inline CURLcode modelfleet_curl_setopt_callback(CURL *handle, CURLoption option, modelfleet_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}
static inline CURLcode modelfleet_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

typedef int (*modelfleet_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t download_now,
                                                 curl_off_t upload_total, curl_off_t upload_now);

/// The progress callback (CURLOPT_XFERINFOFUNCTION) is called about once a second while a transfer
/// runs; returning non-zero aborts it. It carries the first-byte timeout.
static inline CURLcode modelfleet_curl_setopt_progress(CURL *handle, modelfleet_curl_progress_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

/// CURLVERSION_NOW is a macro naming the newest struct layout this header knows.
static inline curl_version_info_data *modelfleet_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}
#endif
