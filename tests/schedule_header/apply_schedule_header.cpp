// tests/schedule_header/apply_schedule_header.cpp — a program separate from the generator that
// produced a `.schedule.h`: it builds a fresh copy of a test pipeline (from the same generator
// sources, linked in), applies the emitted schedule with `apply_schedule_<name>`, and compiles
// it to a static library + registration for RunGen. The test then checks that its output
// equals the unscheduled pipeline's.
//
// Compiled with -DHGCN_PIPELINE=<name> and -include <name>.schedule.h.
// Usage: apply_schedule_header <output dir> <target>
#include "Halide.h"

#define HGCN_STRINGIFY2(x) #x
#define HGCN_STRINGIFY(x) HGCN_STRINGIFY2(x)
#define HGCN_CONCAT2(a, b) a##b
#define HGCN_CONCAT(a, b) HGCN_CONCAT2(a, b)

int main(int argc, char **argv) {
    using namespace Halide;
    if (argc != 3) {
        fprintf(stderr, "usage: %s <output dir> <target>\n", argv[0]);
        return 2;
    }
    const std::string name = HGCN_STRINGIFY(HGCN_PIPELINE);
    const std::string prefix = std::string(argv[1]) + "/" + name;
    const Target target(argv[2]);
    auto generator = Internal::GeneratorRegistry::create(name, GeneratorContext(target));
    Pipeline pipeline = generator->build_pipeline();
    HGCN_CONCAT(apply_schedule_, HGCN_PIPELINE)(pipeline, target);
    Module module = pipeline.compile_to_module(pipeline.infer_arguments(), name, target);
    module.compile({{OutputFileType::static_library, prefix + ".a"},
                    {OutputFileType::c_header, prefix + ".h"},
                    {OutputFileType::registration, prefix + ".registration.cpp"}});
    return 0;
}
