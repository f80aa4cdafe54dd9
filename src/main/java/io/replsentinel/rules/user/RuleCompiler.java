package io.replsentinel.rules.user;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructTypeReference;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

import java.util.Set;
import java.util.TreeSet;

/**
 * Parses and type-checks rule expressions against the {@link StatusSchema} and plans each one:
 * an expression that needs {@code channel} runs once per channel, any other once per instance.
 */
final class RuleCompiler {

    static final String STATUS = "status";
    static final String CHANNEL = "channel";

    private final CelCompiler perInstance = compiler(false);
    private final CelCompiler perChannel = compiler(true);
    private final CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder()
            .addFileTypes(StatusSchema.file())
            .build();

    /**
     * A checked, ready-to-run expression.
     *
     * @param statusFields  the {@code status.*} fields it reads, for evidence
     * @param channelFields the {@code channel.*} fields it reads (empty when not per channel)
     */
    record Compiled(String source, CelRuntime.Program program, boolean perChannel,
                    Set<String> statusFields, Set<String> channelFields) {
    }

    /** Compiles one expression; {@code key} names it in any error. */
    Compiled compile(String key, String source) {
        if (source == null || source.isBlank()) {
            throw new UserRuleException(key, "the expression is empty");
        }
        CelAbstractSyntaxTree ast;
        boolean channel = false;
        try {
            ast = perInstance.compile(source, key).getAst();
        } catch (CelValidationException instanceOnly) {
            // Only an expression that cannot be read without `channel` runs per channel; a
            // comprehension variable that happens to be called `channel` does not count.
            try {
                ast = perChannel.compile(source, key).getAst();
                channel = true;
            } catch (CelValidationException e) {
                throw new UserRuleException(key, e.getMessage());
            }
        }
        try {
            return new Compiled(source, runtime.createProgram(ast), channel,
                    fieldsRead(ast, STATUS), channel ? fieldsRead(ast, CHANNEL) : Set.of());
        } catch (CelEvaluationException e) {
            throw new UserRuleException(key, e.getMessage());
        }
    }

    private static Set<String> fieldsRead(CelAbstractSyntaxTree ast, String variable) {
        Set<String> fields = new TreeSet<>();
        CelNavigableAst.fromAst(ast).getRoot().allNodes().forEach(node -> {
            if (node.getKind() != CelExpr.ExprKind.Kind.SELECT) {
                return;
            }
            CelExpr operand = node.expr().select().operand();
            if (operand.getKind() == CelExpr.ExprKind.Kind.IDENT && operand.ident().name().equals(variable)) {
                fields.add(node.expr().select().field());
            }
        });
        return fields;
    }

    private static CelCompiler compiler(boolean withChannel) {
        var builder = CelCompilerFactory.standardCelCompilerBuilder()
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addFileTypes(StatusSchema.file())
                .addVar(STATUS, StructTypeReference.create(StatusSchema.STATUS.getFullName()))
                .setResultType(SimpleType.BOOL);
        if (withChannel) {
            builder.addVar(CHANNEL, StructTypeReference.create(StatusSchema.CHANNEL.getFullName()));
        }
        return builder.build();
    }
}
