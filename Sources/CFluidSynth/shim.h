#ifndef POLYPHON_CFLUIDSYNTH_SHIM_H
#define POLYPHON_CFLUIDSYNTH_SHIM_H
#include <fluidsynth.h>

/// Mixes (adds) `len` frames of the synth's stereo output into `left` and `right`.
/// The two-pointer array lives on the C stack, so the audio thread builds no Swift array.
static inline int polyphon_fluid_add_stereo(fluid_synth_t *synth, int len, float *left, float *right) {
    float *out[2] = { left, right };
    return fluid_synth_process(synth, len, 0, NULL, 2, out);
}
#endif
