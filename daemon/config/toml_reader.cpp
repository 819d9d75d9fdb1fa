#include "config/toml_reader.hpp"

namespace ifpin::toml_reader {

namespace {

bool isBareKeyCharacter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

} // namespace

std::string tomlKeySegment(std::string_view key)
{
    bool bare = !key.empty() && std::all_of(key.begin(), key.end(), isBareKeyCharacter);
    return bare ? std::string(key) : quote(key);
}

namespace {

std::string describeType(toml::node_type type)
{
    switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
    }
    return "nothing";
}

} // namespace

std::string typeMismatch(std::string_view expected, toml::node_type found)
{
    return "expected " + std::string(expected) + ", got " + describeType(found);
}

} // namespace ifpin::toml_reader
