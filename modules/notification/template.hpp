#pragma once
// Mustache-style text templates: {{name}} (spaces inside the braces allowed) is replaced by
// the value of that name. Only plain variables: notifications are short texts.

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace shopd::notification {

class TemplateError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

class TextTemplate {
  public:
    // Throws TemplateError for an unclosed {{ or a name not in `known`.
    TextTemplate(std::string text, const std::set<std::string, std::less<>>& known);

    std::string render(const std::map<std::string, std::string, std::less<>>& values) const;

  private:
    struct Part {
        bool variable;
        std::string text;  // literal text, or the variable's name
    };
    std::vector<Part> parts_;
};

}  // namespace shopd::notification
