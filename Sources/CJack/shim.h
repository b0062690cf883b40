#ifndef POLYPHON_CJACK_SHIM_H
#define POLYPHON_CJACK_SHIM_H
#include <jack/jack.h>
#include <jack/midiport.h>

/// jack_client_open is C-variadic, which Swift cannot call: this wrapper passes the server name.
static inline jack_client_t *polyphon_jack_open(const char *client_name, jack_options_t options,
                                                jack_status_t *status, const char *server_name) {
    if (server_name != NULL) {
        return jack_client_open(client_name, (jack_options_t)(options | JackServerName), status, server_name);
    }
    return jack_client_open(client_name, options, status);
}
#endif
