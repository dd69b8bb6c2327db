import Foundation
import Testing
@testable import Jinja

/// Chat templates of the families codeloop loads, as llama.cpp keeps them, rendered by Python's
/// Jinja2 the way transformers' apply_chat_template renders them
/// (scripts/fixtures/make_chat_template_fixtures.py), against codeloop's engine.
@Suite struct ChatTemplateParityTests {
    struct Fixture: Decodable {
        struct Source: Decodable { let source: String; let text: String }
        struct Render: Decodable {
            let template: String
            let messages: [Value]
            let add_generation_prompt: Bool
            let bos_token: String
            let eos_token: String
            let rendered: String?
            let error: String?
        }
        let templates: [String: Source]
        let renders: [Render]
    }

    nonisolated(unsafe) static let fixture: Fixture = {
        let url = Bundle.module.url(forResource: "chat_templates", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    /// strftime_now's time in the fixture: 2026-12-05 12:00 local.
    static let fixedNow: Date = {
        var parts = DateComponents()
        (parts.year, parts.month, parts.day, parts.hour) = (2026, 12, 5, 12)
        return Calendar(identifier: .gregorian).date(from: parts)!
    }()

    @Test func everyTemplateRendersAsJinja2Does() throws {
        var templates: [String: Template] = [:]
        for (name, source) in Self.fixture.templates { templates[name] = try Template(source.text) }
        var mismatches = 0
        for render in Self.fixture.renders {
            let context: [String: Value] = [
                "messages": .array(render.messages), "add_generation_prompt": .bool(render.add_generation_prompt),
                "bos_token": .string(render.bos_token), "eos_token": .string(render.eos_token), "tools": .none, "documents": .none,
            ]
            let what = "\(render.template), \(render.messages.count) messages, generation prompt \(render.add_generation_prompt)"
            do {
                let text = try templates[render.template]!.render(context, now: Self.fixedNow)
                if text != render.rendered {
                    mismatches += 1
                    Issue.record("\(what): \(text.debugDescription) != Jinja2's \((render.rendered ?? "error: " + (render.error ?? "")).debugDescription)")
                }
            } catch let error as TemplateError {
                if render.error.map({ error.description.hasSuffix($0) }) != true {
                    mismatches += 1
                    Issue.record("\(what): raised \(error) where Jinja2 \(render.error.map { "raised \($0)" } ?? "rendered")")
                }
            }
        }
        #expect(Self.fixture.renders.count >= 300)
        #expect(mismatches == 0)
    }

    @Test func whatTheSubsetLacksIsRefusedByNameAtLoad() {
        #expect(throws: TemplateError("line 1: the filter 'urlize' is not supported")) { try Template("{{ x | urlize }}") }
        #expect(throws: TemplateError("line 2: the tag 'macro' is not supported")) { try Template("a\n{% macro m() %}{% endmacro %}") }
        #expect(throws: TemplateError("line 1: the test 'escaped' is not supported")) { try Template("{% if x is escaped %}{% endif %}") }
        #expect(throws: TemplateError("line 1: the function 'lipsum' is not supported")) { try Template("{{ lipsum() }}") }
        #expect(throws: TemplateError("the template ends inside a block: missing else or endfor")) { try Template("{% for x in y %}") }
    }

    /// A template is a downloaded file: nesting without end is a one-line error, not a crash.
    @Test func hostileNestingIsAnErrorNotACrash() {
        #expect(throws: TemplateError("line 1: expressions nest deeper than 200 levels")) {
            try Template("{{ " + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + " }}")
        }
        #expect(throws: TemplateError("line 1: expressions nest deeper than 200 levels")) {
            try Template("{{ " + String(repeating: "not ", count: 50_000) + "x }}")
        }
        #expect(throws: TemplateError("line 1: blocks nest deeper than 200 levels")) {
            try Template(String(repeating: "{% if x %}", count: 50_000) + String(repeating: "{% endif %}", count: 50_000))
        }
        #expect(throws: TemplateError("line 1: unterminated string")) { try Template("{{ 'abc }}") }
        #expect(throws: TemplateError("line 1: missing }}")) { try Template("{{ x ") }
    }

    @Test func raiseExceptionAndUndefinedBehaveAsInJinja2() throws {
        #expect(throws: TemplateError("roles must alternate")) { try Template("{{ raise_exception('roles must alternate') }}").render([:]) }
        #expect(try Template("[{{ missing }}]{% if not missing %}no{% endif %}").render([:]) == "[]no")
        #expect(throws: TemplateError("'missing' is undefined")) { try Template("{{ missing.attribute }}").render([:]) }
        let scoped = "{% set x = 1 %}{% for i in range(3) %}{{ x }}{% set x = x + 1 %}{% endfor %}{{ x }}"
        #expect(try Template(scoped).render([:]) == "1111", "a set inside a loop stays in its iteration")
        let ns = "{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}"
        #expect(try Template(ns).render([:]) == "6")
    }
}
